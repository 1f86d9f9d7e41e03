using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using NeuronGuard.Inference.Kernels;

namespace NeuronGuard.Inference.Loading;

/// <summary>
/// All tensors of a model folder: <c>model.safetensors</c>, or the shards listed in
/// <c>model.safetensors.index.json</c>. F32 tensors are served straight from the memory mapping;
/// F16 and BF16 tensors are converted once, at load, into pinned F32 arrays (the kernels then run one
/// F32 path; the cost is 2x the checkpoint's memory for half-precision models).
/// </summary>
internal sealed unsafe class TensorStore : IDisposable
{
    private readonly List<SafeTensorsFile> _files = new();
    private readonly Dictionary<string, TensorEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<float[]> _converted = new();
    private readonly string _describe;

    private TensorStore(string describe) => _describe = describe;

    public IEnumerable<TensorEntry> Entries => _entries.Values;

    public static TensorStore Open(string dir)
    {
        string single = Path.Combine(dir, "model.safetensors");
        string index = Path.Combine(dir, "model.safetensors.index.json");
        if (File.Exists(single))
        {
            var store = new TensorStore(single);
            store.Add(single);
            return store;
        }
        if (File.Exists(index))
        {
            var store = new TensorStore(index);
            try
            {
                foreach (var shard in ReadIndex(index))
                {
                    store.Add(Path.Combine(dir, shard));
                }
            }
            catch
            {
                store.Dispose();
                throw;
            }
            return store;
        }
        return LoadErrors.Throw<TensorStore>(
            $"'{dir}' holds neither model.safetensors nor model.safetensors.index.json; point --model at a Hugging Face model folder.");
    }

    private static IEnumerable<string> ReadIndex(string index)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            return doc.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(p => p.Value.GetString()!).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ModelLoadException($"'{index}' is not a readable shard index (expected {{\"weight_map\": {{tensor: file}}}}): {e.Message}", e);
        }
    }

    private void Add(string path)
    {
        var file = SafeTensorsFile.Open(path);
        _files.Add(file);
        foreach (var e in file.Entries)
        {
            _entries[e.Name] = e;
        }
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Returns the tensor as F32 after checking its shape; <paramref name="shape"/> is (rows, cols) or (n) for vectors.</summary>
    public Weight Get(string name, params long[] shape)
    {
        if (!_entries.TryGetValue(name, out var e))
        {
            LoadErrors.MissingTensor(name, _describe);
        }
        if (!e.Shape.AsSpan().SequenceEqual(shape))
        {
            LoadErrors.Misshapen(name, e.Shape, shape);
        }
        int rows = shape.Length == 2 ? (int)shape[0] : 1;
        int cols = (int)shape[^1];
        float* data = e.DType == TensorDType.F32 ? (float*)e.File.At(e.Offset) : Convert(e);
        return new Weight(data, rows, cols);
    }

    /// <summary>
    /// <see cref="Get"/> plus the weight packed into GEMM panels (<see cref="PackedPanels"/>) when this CPU has a
    /// SIMD GEMM path. The kernels then read only the packed copy, so the mapped pages of an F32 original are
    /// handed back to the page cache (madvise DONTNEED: a later read faults them in again from the file), which
    /// keeps resident memory at one copy of the weights, not two.
    /// </summary>
    public Weight GetPacked(string name, WeightLayout layout, long rows, long cols)
    {
        var w = Get(name, rows, cols);
        if (Gemm.Best is null)
        {
            return w;
        }
        int k = layout == WeightLayout.OutIn ? w.Cols : w.Rows;
        int n = layout == WeightLayout.OutIn ? w.Rows : w.Cols;
        long floats = PackedPanels.Floats(k, n);
        var dst = GC.AllocateUninitializedArray<float>((int)(floats + 16), pinned: true);
        _converted.Add(dst);
        float* p = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(dst));
        p = (float*)(((nuint)p + 63) & ~(nuint)63); // 64-byte aligned panels: no load splits a cache line
        PackedPanels.Pack(w, layout, p);
        if (_entries[name].DType == TensorDType.F32)
        {
            ReleasePages(w.Data, (long)w.Length * sizeof(float));
        }
        return w.WithPacked(p);
    }

    private static void ReleasePages(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const long page = 4096;
        long b = ((long)start + page - 1) & ~(page - 1);
        long e = ((long)start + bytes) & ~(page - 1);
        if (e > b)
        {
            _ = Madvise((void*)b, (nuint)(e - b), MadvDontNeed); // advisory: a failure only leaves the pages resident
        }
    }

    private const int MadvDontNeed = 4;

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(void* addr, nuint length, int advice);

    private float* Convert(TensorEntry e)
    {
        var dst = GC.AllocateUninitializedArray<float>((int)e.ElementCount, pinned: true);
        var src = new ReadOnlySpan<ushort>(e.File.At(e.Offset), (int)e.ElementCount);
        if (e.DType == TensorDType.F16)
        {
            HalfConversion.F16ToF32(src, dst);
        }
        else
        {
            HalfConversion.BF16ToF32(src, dst);
        }
        _converted.Add(dst);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(dst));
    }

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
        _files.Clear();
        _converted.Clear();
    }
}
