namespace NeuronGuard.Inference;

/// <summary>
/// Receives the captured values of one forward call: (steps, slots) row-major in slot order; row s is position
/// <paramref name="firstPosition"/> + s. The span is reused after the call returns; copy what you keep.
/// </summary>
public delegate void CapturedActivationsHandler(int firstPosition, int steps, ReadOnlySpan<float> values);

/// <summary>
/// A hook that copies only the selected neurons' values into a packed (steps × slots) buffer per forward call
/// and hands it to a callback after the last layer. The buffer grows only for a longer prefill; decode
/// steps allocate nothing. Register it before a <see cref="NeuronGainsHook"/> to capture pre-mitigation values.
/// </summary>
public sealed class NeuronCapture : IMlpHook
{
    private readonly NeuronSelection _selection;
    private readonly CapturedActivationsHandler _handler;
    private float[] _buffer;

    public NeuronCapture(NeuronSelection selection, CapturedActivationsHandler handler)
    {
        _selection = selection;
        _handler = handler;
        _buffer = new float[Math.Max(1, selection.Count)];
    }

    public NeuronSelection Selection => _selection;

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        var byLayer = _selection.ByLayer;
        if (context.Layer >= byLayer.Length)
        {
            return;
        }
        var (neurons, slots) = byLayer[context.Layer];
        if (neurons.Length == 0)
        {
            return;
        }
        int width = _selection.Count;
        if (_buffer.Length < context.Tokens * width)
        {
            _buffer = new float[context.Tokens * width];
        }
        for (int t = 0; t < context.Tokens; t++)
        {
            var row = activations.Slice(t * context.Neurons, context.Neurons);
            var dst = _buffer.AsSpan(t * width, width);
            for (int k = 0; k < neurons.Length; k++)
            {
                dst[slots[k]] = row[neurons[k]];
            }
        }
    }

    public void OnForwardCompleted(int firstPosition, int tokens) =>
        _handler(firstPosition, tokens, _buffer.AsSpan(0, tokens * _selection.Count));
}
