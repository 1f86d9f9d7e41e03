using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// One pinned scratch buffer per worker part (GEMM packing, attention score blocks), grown on first
/// need and then reused, so prefill allocates once and decode never.
/// </summary>
internal sealed unsafe class PartScratch
{
    private readonly PinnedBuffer?[] _buffers;

    public PartScratch(int parts) => _buffers = new PinnedBuffer?[parts];

    /// <summary>At least <paramref name="floats"/> floats owned by <paramref name="part"/>; only that part's thread calls this.</summary>
    public float* For(int part, long floats)
    {
        var b = _buffers[part];
        if (b is null || b.Length < floats)
        {
            b = new PinnedBuffer(floats);
            _buffers[part] = b;
        }
        return b.Ptr;
    }
}
