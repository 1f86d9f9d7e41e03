using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Records each MLP neuron's max activation over all tokens of the forward calls since <see cref="Clear"/>,
/// layer-major (layer · neurons + index): AurA's per-text statistic for discovery.
/// </summary>
internal sealed class MaxActivationHook(int layers, int neurons) : IMlpHook
{
    private readonly float[] _max = new float[layers * neurons];

    public ReadOnlySpan<float> Max => _max;

    public void Clear() => Array.Fill(_max, float.NegativeInfinity);

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        var max = _max.AsSpan(context.Layer * neurons, neurons);
        for (int t = 0; t < context.Tokens; t++)
        {
            System.Numerics.Tensors.TensorPrimitives.Max(max, activations.Slice(t * context.Neurons, neurons), max);
        }
    }
}
