using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NeuronGuard.Inference.Models;

/// <summary>An F32 array on the pinned object heap with a stable pointer for the kernels.</summary>
internal sealed unsafe class PinnedBuffer
{
    private readonly float[] _data;

    public PinnedBuffer(long length)
    {
        _data = GC.AllocateArray<float>(checked((int)Math.Max(1, length)), pinned: true);
        Ptr = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data));
    }

    public float* Ptr { get; }

    public int Length => _data.Length;

    public Span<float> Span => _data;
}
