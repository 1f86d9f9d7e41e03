using System.Runtime.Intrinsics;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// A weight W (in = K, out = N) packed once at load into the micro-panels <see cref="Gemm"/> reads, in
/// either checkpoint layout: for each depth slice pc (Kc rows of K) and each 32-column panel jp, a (kc, 32)
/// row-major block, zero-padded beyond N. Slices follow each other, panels within a slice too, so the
/// panel (pc, jp) starts at pc·Np + jp·kc·32 (Np = N rounded up to 32).
/// <para>
/// Packing per call cost 23–53 % of a 128-token prefill (GPT-2's rows are 9–12 KB apart; Llama's (out, in)
/// weights were transposed one float at a time), so it is done once here. Prefill's GEMM walks the panels as
/// they are; decode's GEMV (one token) streams the same buffer front to back, so there is one packed copy,
/// not one per kernel.
/// </para>
/// </summary>
internal static unsafe class PackedPanels
{
    public const int Width = Gemm.Nr;

    public static int PaddedCols(int n) => (n + Width - 1) / Width * Width;

    public static long Floats(int k, int n) => (long)k * PaddedCols(n);

    /// <summary>Packs <paramref name="w"/> (either layout) into <paramref name="dst"/> of <see cref="Floats"/> floats.</summary>
    public static void Pack(Weight w, WeightLayout layout, float* dst)
    {
        bool outIn = layout == WeightLayout.OutIn;
        Pack(w.Data, w.Cols, outIn, outIn ? w.Cols : w.Rows, outIn ? w.Rows : w.Cols, dst);
    }

    /// <summary>
    /// Packs B (k, n) into panels: B is stored (k, n) row-major, or (n, k) row-major when <paramref name="transposed"/>
    /// (an <c>nn.Linear</c> weight; attention's keys, whose rows are <paramref name="ld"/> floats apart).
    /// </summary>
    public static void Pack(float* b, int ld, bool transposed, int k, int n, float* dst)
    {
        int np = PaddedCols(n);
        for (int pc = 0; pc < k; pc += Gemm.Kc)
        {
            int kc = Math.Min(Gemm.Kc, k - pc);
            for (int j0 = 0; j0 < np; j0 += Width)
            {
                float* panel = dst + (long)pc * np + (long)j0 * kc;
                int cols = Math.Min(Width, n - j0);
                if (cols < Width)
                {
                    new Span<float>(panel, kc * Width).Clear();
                }
                if (transposed)
                {
                    // Column j of the panel is row j0 + j of B's storage: read it contiguously, write 32 floats apart
                    // (the 32 KiB panel stays in L1 while it fills).
                    for (int j = 0; j < cols; j++)
                    {
                        float* src = b + (long)(j0 + j) * ld + pc;
                        for (int p = 0; p < kc; p++)
                        {
                            panel[p * Width + j] = src[p];
                        }
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        new ReadOnlySpan<float>(b + (long)(pc + p) * ld + j0, cols).CopyTo(new Span<float>(panel + p * Width, cols));
                    }
                }
            }
        }
    }

    /// <summary>
    /// C (m, n) += A (m, k) · W over columns [n0, n1) (n0 a multiple of 32) from the packed panels. A is packed
    /// once per depth slice (all m rows, in blocks that fit the scratch) and every panel of the column range
    /// is then multiplied against it, so each 32 KiB B panel is read once per slice and stays in L1 across
    /// the row tiles.
    /// </summary>
    public static void Multiply(GemmPath path, int m, int k, float* a, int lda, float* packed, int n, float* c, int ldc, int n0, int n1, float* scratch)
    {
        int mr = path == GemmPath.Vector512 ? 8 : 6;
        int np = PaddedCols(n);
        int mBlock = Gemm.ScratchFloats / Gemm.Kc / 24 * 24; // rows whose packed slice fits the scratch; 24 = lcm of both MRs
        float* tile = stackalloc float[8 * 32];
        for (int pc = 0; pc < k; pc += Gemm.Kc)
        {
            int kc = Math.Min(Gemm.Kc, k - pc);
            float* slice = packed + (long)pc * np;
            for (int ic = 0; ic < m; ic += mBlock)
            {
                int rowsBlock = Math.Min(mBlock, m - ic);
                for (int ir = 0; ir < rowsBlock; ir += mr)
                {
                    Gemm.PackA(a, lda, ic + ir, Math.Min(mr, rowsBlock - ir), pc, kc, mr, scratch + ir * kc);
                }
                for (int j0 = n0; j0 < n1; j0 += Width)
                {
                    float* panel = slice + (long)j0 * kc;
                    int cols = Math.Min(Width, n1 - j0);
                    for (int ir = 0; ir < rowsBlock; ir += mr)
                    {
                        int rows = Math.Min(mr, rowsBlock - ir);
                        float* cTile = c + (long)(ic + ir) * ldc + j0;
                        float* pa = scratch + ir * kc;
                        if (path == GemmPath.Vector512)
                        {
                            Tile(kc, pa, panel, Width, cTile, ldc, rows, cols, mr, 32, true, tile);
                        }
                        else
                        {
                            Tile(kc, pa, panel, Width, cTile, ldc, rows, Math.Min(16, cols), mr, 16, false, tile);
                            if (cols > 16)
                            {
                                Tile(kc, pa, panel + 16, Width, cTile + 16, ldc, rows, cols - 16, mr, 16, false, tile);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void Tile(int kc, float* pa, float* pb, int bs, float* cTile, int ldc, int rows, int cols, int mr, int nr, bool wide, float* tile)
    {
        bool full = rows == mr && cols == nr;
        float* dst = full ? cTile : tile;
        if (!full)
        {
            new Span<float>(tile, mr * nr).Clear();
        }
        if (wide)
        {
            Gemm.Kernel8x32(kc, pa, pb, bs, dst, full ? ldc : nr);
        }
        else
        {
            Gemm.Kernel6x16(kc, pa, pb, bs, dst, full ? ldc : nr);
        }
        if (!full)
        {
            Gemm.AddTile(tile, nr, cTile, ldc, rows, cols);
        }
    }

    /// <summary>
    /// y[n0..n1) += x (k) · W for one token (decode), streaming the packed buffer in memory order: for each
    /// depth slice, the range's panels are contiguous. Four independent 256-bit chains per panel row cover
    /// the FMA latency; the loop is bound by memory bandwidth, not by the vector width.
    /// </summary>
    public static void Gemv(int k, float* x, float* packed, int n, float* y, int n0, int n1)
    {
        int np = PaddedCols(n);
        float* tail = stackalloc float[Width];
        for (int pc = 0; pc < k; pc += Gemm.Kc)
        {
            int kc = Math.Min(Gemm.Kc, k - pc);
            float* xs = x + pc;
            for (int j0 = n0; j0 < n1; j0 += Width)
            {
                float* b = packed + (long)pc * np + (long)j0 * kc;
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default;
                int p = 0;
                for (; p + 1 < kc; p += 2, b += 2 * Width)
                {
                    var v = Vector256.Create(xs[p]);
                    a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b), a0);
                    a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 8), a1);
                    a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 16), a2);
                    a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 24), a3);
                    var u = Vector256.Create(xs[p + 1]);
                    e0 = Vector256.FusedMultiplyAdd(u, Vector256.Load(b + 32), e0);
                    e1 = Vector256.FusedMultiplyAdd(u, Vector256.Load(b + 40), e1);
                    e2 = Vector256.FusedMultiplyAdd(u, Vector256.Load(b + 48), e2);
                    e3 = Vector256.FusedMultiplyAdd(u, Vector256.Load(b + 56), e3);
                }
                if (p < kc)
                {
                    var v = Vector256.Create(xs[p]);
                    a0 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b), a0);
                    a1 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 8), a1);
                    a2 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 16), a2);
                    a3 = Vector256.FusedMultiplyAdd(v, Vector256.Load(b + 24), a3);
                }
                int cols = Math.Min(Width, n1 - j0);
                float* dst = cols == Width ? y + j0 : tail;
                if (cols < Width)
                {
                    new ReadOnlySpan<float>(y + j0, cols).CopyTo(new Span<float>(tail, Width));
                }
                Vector256.Store(Vector256.Load(dst) + a0 + e0, dst);
                Vector256.Store(Vector256.Load(dst + 8) + a1 + e1, dst + 8);
                Vector256.Store(Vector256.Load(dst + 16) + a2 + e2, dst + 16);
                Vector256.Store(Vector256.Load(dst + 24) + a3 + e3, dst + 24);
                if (cols < Width)
                {
                    new ReadOnlySpan<float>(tail, cols).CopyTo(new Span<float>(y + j0, cols));
                }
            }
        }
    }
}
