using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NeuronGuard.Inference.Kernels;

/// <summary>Which register tile <see cref="Gemm"/> runs; tests pin each one the CPU supports.</summary>
internal enum GemmPath
{
    /// <summary>8 rows × 32 columns: 16 zmm accumulators.</summary>
    Vector512,

    /// <summary>6 rows × 16 columns: 12 ymm accumulators.</summary>
    Vector256,
}

/// <summary>
/// C (m, n) += A (m, k) · B, single-threaded over the column range [n0, n1); the caller initialises C
/// (bias or zero) and splits columns over threads in multiples of <see cref="Nr"/>. B is (k, n) row-major
/// or, when <c>bTransposed</c>, (n, k) row-major (<c>nn.Linear</c> weights, attention keys).
/// <para>
/// Blocking follows BLIS (Van Zee and van de Geijn, 2015): for each NC-column block and KC-deep slice, B
/// is packed into KC×NR micro-panels (zero-padded at the right edge) that stay in L1 while the
/// micro-kernel walks every MR-row micro-panel of the packed MC×KC block of A (in L2). The micro-kernel
/// keeps an MR×NR tile of C in registers and, per k, loads NR/W vectors of B, broadcasts MR values of A
/// and issues MR·NR/W FMAs. Vector512: 8×32 uses 16 of the 32 zmm registers for C, 2 for B and 1 for
/// the broadcast; 2 B loads + 8 broadcasts feed 16 FMAs, so the FMA ports, not the load ports, bound it,
/// and 16 independent chains cover the 4-cycle FMA latency at 2 FMAs per cycle. Vector256: 6×16 uses
/// 12 of the 16 ymm registers for C (the Haswell shape of BLIS and OpenBLAS). KC = 256 keeps a
/// 256×32 float micro-panel (32 KiB) near L1 and amortises each C tile load/store over 256 FMAs per lane.
/// </para>
/// </summary>
internal static unsafe class Gemm
{
    public const int Kc = 256;
    public const int Mc = 96;   // a multiple of both MRs (8 and 6): the packed A block is 96 KiB, in L2
    public const int Nc = 512;  // the packed B block is 512 KiB, in this CPU's 1 MiB L2
    public const int Nr = 32;   // column split unit for threads: a multiple of both NRs

    /// <summary>The widest path this CPU runs in hardware, or null (callers fall back to the GEMV kernels).</summary>
    public static GemmPath? Best =>
        Vector512.IsHardwareAccelerated ? GemmPath.Vector512 :
        Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? GemmPath.Vector256 : null;

    public static bool IsSupported(GemmPath path) => path == GemmPath.Vector512
        ? Vector512.IsHardwareAccelerated
        : Vector256.IsHardwareAccelerated;

    /// <summary>Floats of packing scratch one thread needs.</summary>
    public const int ScratchFloats = Mc * Kc + Kc * Nc;

    public static void Multiply(GemmPath path, int m, int k, float* a, int lda, float* b, int ldb, bool bTransposed,
        float* c, int ldc, int n0, int n1, float* scratch)
    {
        int mr = path == GemmPath.Vector512 ? 8 : 6;
        int nr = path == GemmPath.Vector512 ? 32 : 16;
        float* pa = scratch;
        float* pb = scratch + Mc * Kc;
        float* tile = stackalloc float[8 * 32];
        for (int jc = n0; jc < n1; jc += Nc)
        {
            int nc = Math.Min(Nc, n1 - jc);
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                for (int jr = 0; jr < nc; jr += nr)
                {
                    PackB(b, ldb, bTransposed, pc, kc, jc + jr, Math.Min(nr, nc - jr), nr, pb + (long)jr * kc);
                }
                for (int ic = 0; ic < m; ic += Mc)
                {
                    int mcRows = Math.Min(Mc, m - ic);
                    for (int ir = 0; ir < mcRows; ir += mr)
                    {
                        PackA(a, lda, ic + ir, Math.Min(mr, mcRows - ir), pc, kc, mr, pa + ir * kc);
                    }
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        for (int ir = 0; ir < mcRows; ir += mr)
                        {
                            int rows = Math.Min(mr, mcRows - ir);
                            float* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                            bool full = rows == mr && cols == nr;
                            float* dst = full ? cTile : tile;
                            if (!full)
                            {
                                new Span<float>(tile, mr * nr).Clear();
                            }
                            if (path == GemmPath.Vector512)
                            {
                                Kernel8x32(kc, pa + ir * kc, pb + (long)jr * kc, nr, dst, full ? ldc : nr);
                            }
                            else
                            {
                                Kernel6x16(kc, pa + ir * kc, pb + (long)jr * kc, nr, dst, full ? ldc : nr);
                            }
                            if (!full)
                            {
                                AddTile(tile, nr, cTile, ldc, rows, cols);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>B[pc.., j0..j0+cols) → (kc, nr) row-major, zero beyond cols.</summary>
    private static void PackB(float* b, int ldb, bool transposed, int pc, int kc, int j0, int cols, int nr, float* dst)
    {
        if (cols < nr)
        {
            new Span<float>(dst, kc * nr).Clear();
        }
        if (transposed)
        {
            // k outer, columns inner: the writes run sequentially and the reads walk `cols` rows in step,
            // each row's cache line serving 16 consecutive k (column-outer was 2-3x slower: a strided write per float).
            float* src = b + (long)j0 * ldb + pc;
            for (int p = 0; p < kc; p++, dst += nr)
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] = src[(long)j * ldb + p];
                }
            }
            return;
        }
        for (int p = 0; p < kc; p++)
        {
            new ReadOnlySpan<float>(b + (long)(pc + p) * ldb + j0, cols).CopyTo(new Span<float>(dst + p * nr, cols));
        }
    }

    /// <summary>A[i0..i0+rows, pc..pc+kc) → (kc, mr) row-major, zero beyond rows.</summary>
    internal static void PackA(float* a, int lda, int i0, int rows, int pc, int kc, int mr, float* dst)
    {
        if (rows < mr)
        {
            new Span<float>(dst, kc * mr).Clear();
        }
        for (int r = 0; r < rows; r++)
        {
            float* src = a + (long)(i0 + r) * lda + pc;
            for (int p = 0; p < kc; p++)
            {
                dst[p * mr + r] = src[p];
            }
        }
    }

    internal static void AddTile(float* tile, int nr, float* c, int ldc, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++)
            {
                c[(long)r * ldc + j] += tile[r * nr + j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add512(float* c, Vector512<float> v) => Vector512.Store(Vector512.Load(c) + v, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add256(float* c, Vector256<float> v) => Vector256.Store(Vector256.Load(c) + v, c);

    /// <summary>C (8, 32) += A panel (kc, 8) · B panel (kc, 32) whose rows are <paramref name="bs"/> floats apart.</summary>
    internal static void Kernel8x32(int kc, float* a, float* b, int bs, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++, a += 8, b += bs)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        Add512(c, c00); Add512(c + 16, c01); c += ldc;
        Add512(c, c10); Add512(c + 16, c11); c += ldc;
        Add512(c, c20); Add512(c + 16, c21); c += ldc;
        Add512(c, c30); Add512(c + 16, c31); c += ldc;
        Add512(c, c40); Add512(c + 16, c41); c += ldc;
        Add512(c, c50); Add512(c + 16, c51); c += ldc;
        Add512(c, c60); Add512(c + 16, c61); c += ldc;
        Add512(c, c70); Add512(c + 16, c71);
    }

    /// <summary>C (6, 16) += A panel (kc, 6) · B panel (kc, 16) whose rows are <paramref name="bs"/> floats apart.</summary>
    internal static void Kernel6x16(int kc, float* a, float* b, int bs, float* c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += 6, b += bs)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        Add256(c, c00); Add256(c + 8, c01); c += ldc;
        Add256(c, c10); Add256(c + 8, c11); c += ldc;
        Add256(c, c20); Add256(c + 8, c21); c += ldc;
        Add256(c, c30); Add256(c + 8, c31); c += ldc;
        Add256(c, c40); Add256(c + 8, c41); c += ldc;
        Add256(c, c50); Add256(c + 8, c51);
    }
}
