namespace NeuronGuard.Inference.Tests.Hooks;

/// <summary>A general hook that keeps whole activation rows, keyed by (layer, position): the discovery shape.</summary>
internal sealed class RowRecorder : IMlpHook
{
    public Dictionary<(int Layer, int Position), float[]> Rows { get; } = new();

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        for (int t = 0; t < context.Tokens; t++)
        {
            Rows[(context.Layer, context.FirstPosition + t)] = activations.Slice(t * context.Neurons, context.Neurons).ToArray();
        }
    }
}
