namespace NeuronGuard.Inference;

/// <summary>
/// Applies the current <see cref="NeuronGains"/> to the MLP activation. <see cref="Gains"/> may be replaced
/// from any thread at any time: the hook reads it once per forward call (at layer 0), so a step runs with
/// one gain set throughout, and a change takes effect from the next step, without reloading anything.
/// </summary>
public sealed class NeuronGainsHook : IMlpHook
{
    private NeuronGains _gains;
    private NeuronGains _active;

    public NeuronGainsHook(NeuronGains? gains = null)
    {
        _gains = gains ?? NeuronGains.None;
        _active = _gains;
    }

    public NeuronGains Gains
    {
        get => Volatile.Read(ref _gains);
        set => Volatile.Write(ref _gains, value ?? NeuronGains.None);
    }

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        if (context.Layer == 0)
        {
            _active = Volatile.Read(ref _gains);
        }
        var byLayer = _active.ByLayer;
        if (context.Layer >= byLayer.Length)
        {
            return;
        }
        var (neurons, gains) = byLayer[context.Layer];
        if (neurons.Length > 0 && neurons[^1] >= context.Neurons)
        {
            throw new InvalidOperationException($"a gain targets neuron {neurons[^1]} of layer {context.Layer}, but the layer has {context.Neurons} neurons.");
        }
        for (int t = 0; t < context.Tokens; t++)
        {
            var row = activations.Slice(t * context.Neurons, context.Neurons);
            for (int k = 0; k < neurons.Length; k++)
            {
                row[neurons[k]] *= gains[k];
            }
        }
    }
}
