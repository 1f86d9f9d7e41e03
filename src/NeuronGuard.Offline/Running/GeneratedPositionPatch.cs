using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Activation patching at generated positions: records every MLP neuron's activation at positions from
/// <see cref="From"/> on in one run (the clean prompt with the same continuation), then, switched to patching,
/// writes the recorded values of chosen neurons into another run (the triggered prompt) at the same offsets after
/// its prompt. The effect measured is what those neurons carry of the trigger into the continuation.
/// </summary>
public sealed class GeneratedPositionPatch(int layers, int neurons) : IMlpHook
{
    private readonly List<float[]> _recorded = new(); // per offset: layer-major (layer · neurons + index)
    private (int[] Neurons, int Layer)[] _patch = [];
    private bool _recording;

    /// <summary>First position recorded or patched (the prompt's length).</summary>
    public int From { get; set; }

    /// <summary>Offsets recorded by the last <see cref="StartRecording"/>.</summary>
    public int Recorded => _recorded.Count;

    /// <summary>Clears the record and records the next forward calls' activations at positions ≥ <see cref="From"/>.</summary>
    public void StartRecording()
    {
        _recorded.Clear();
        _patch = [];
        _recording = true;
    }

    /// <summary>Stops recording; the next forward calls get the chosen neurons patched to the recorded values.</summary>
    public void Patch(IEnumerable<NeuronId> chosen)
    {
        _recording = false;
        _patch = chosen.GroupBy(n => n.Layer).Select(g => (g.Select(n => n.Neuron).ToArray(), g.Key)).ToArray();
    }

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        for (int t = Math.Max(0, From - context.FirstPosition); t < context.Tokens; t++)
        {
            int offset = context.FirstPosition + t - From;
            var row = activations.Slice(t * context.Neurons, context.Neurons);
            if (_recording)
            {
                while (_recorded.Count <= offset)
                {
                    _recorded.Add(new float[layers * neurons]);
                }
                row[..neurons].CopyTo(_recorded[offset].AsSpan(context.Layer * neurons, neurons));
                continue;
            }
            if (offset >= _recorded.Count)
            {
                continue;
            }
            var source = _recorded[offset].AsSpan(context.Layer * neurons, neurons);
            foreach (var (ids, layer) in _patch)
            {
                if (layer != context.Layer)
                {
                    continue;
                }
                foreach (int i in ids)
                {
                    row[i] = source[i];
                }
            }
        }
    }
}
