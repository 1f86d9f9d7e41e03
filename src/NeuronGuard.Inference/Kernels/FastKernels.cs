using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Kernels;

/// <summary>
/// Single-threaded vectorised kernels over spans (System.Numerics.Tensors picks AVX-512 here).
/// Each has a <see cref="ScalarKernels"/> twin that the tests compare it with.
/// </summary>
internal static class FastKernels
{
    public static void LayerNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps)
    {
        float mean = TensorPrimitives.Sum(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, y);
        float var = TensorPrimitives.SumOfSquares(y) / x.Length;
        float inv = 1f / MathF.Sqrt(var + eps);
        TensorPrimitives.Multiply(y, inv, y);
        TensorPrimitives.FusedMultiplyAdd(y, gamma, beta, y);
    }

    public static void RmsNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weight, float eps)
    {
        float ss = TensorPrimitives.SumOfSquares(x) / x.Length;
        float inv = 1f / MathF.Sqrt(ss + eps);
        TensorPrimitives.Multiply(x, inv, y);
        TensorPrimitives.Multiply(y, weight, y);
    }

    /// <summary>In place: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static void GeluTanh(Span<float> x, Span<float> scratch)
    {
        const float c = 0.7978845608028654f; // sqrt(2/pi)
        TensorPrimitives.Multiply(x, x, scratch);
        TensorPrimitives.Multiply(scratch, 0.044715f * c, scratch);
        TensorPrimitives.Add(scratch, c, scratch); // c·(1 + 0.044715·x²)
        TensorPrimitives.Multiply(scratch, x, scratch);
        TensorPrimitives.Tanh(scratch, scratch);
        TensorPrimitives.Add(scratch, 1f, scratch);
        TensorPrimitives.Multiply(scratch, x, x);
        TensorPrimitives.Multiply(x, 0.5f, x);
    }

    /// <summary>gate ← silu(gate) · up, the SwiGLU input of <c>down_proj</c>.</summary>
    public static void SiluMul(Span<float> gate, ReadOnlySpan<float> up, Span<float> scratch)
    {
        TensorPrimitives.Sigmoid(gate, scratch);
        TensorPrimitives.Multiply(gate, scratch, gate);
        TensorPrimitives.Multiply(gate, up, gate);
    }

    /// <summary>Softmax subtracting the max first, so large scores cannot overflow.</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Multiply(x, 1f / sum, x);
    }
}
