using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace NeuronGuard.Inference.Loading;

/// <summary>Half-precision bit patterns to and from F32 (little-endian, as safetensors stores them).</summary>
internal static class HalfConversion
{
    public static void F16ToF32(ReadOnlySpan<ushort> src, Span<float> dst) =>
        TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(src), dst);

    /// <summary>BF16 is the top 16 bits of an F32, so widening is a shift.</summary>
    public static void BF16ToF32(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        var bits = MemoryMarshal.Cast<float, uint>(dst);
        for (int i = 0; i < src.Length; i++)
        {
            bits[i] = (uint)src[i] << 16;
        }
    }

    public static ushort F32ToF16(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    /// <summary>Round to nearest even on the dropped 16 bits, as torch does.</summary>
    public static ushort F32ToBF16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f))
        {
            return 0x7FC0;
        }
        uint rounding = 0x7FFF + ((u >> 16) & 1);
        return (ushort)((u + rounding) >> 16);
    }
}
