using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Multiplies chosen neurons' MLP activations by their gains at positions from <see cref="From"/> on only: what an
/// attenuation switched on after the prefill (on a flag) does to the tokens the model goes on to write, leaving the
/// prompt's own pass untouched. Causal discovery and its check use it with the prompt's length as <see cref="From"/>.
/// </summary>
public sealed class GeneratedPositionGains : IMlpHook
{
    private (int[] Neurons, float[] Gains)[] _byLayer = [];

    /// <summary>First position edited (the prompt's length: the first generated token's position).</summary>
    public int From { get; set; }

    /// <summary>Replaces the edited neurons and their gains; an empty list edits nothing.</summary>
    public void Set(IEnumerable<(NeuronId Neuron, float Gain)> gains)
    {
        var list = gains.ToList();
        int layers = list.Count == 0 ? 0 : list.Max(g => g.Neuron.Layer) + 1;
        var byLayer = new (int[], float[])[layers];
        for (int l = 0; l < layers; l++)
        {
            var items = list.Where(g => g.Neuron.Layer == l).ToArray();
            byLayer[l] = (items.Select(g => g.Neuron.Neuron).ToArray(), items.Select(g => g.Gain).ToArray());
        }
        _byLayer = byLayer;
    }

    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        if (context.Layer >= _byLayer.Length)
        {
            return;
        }
        var (neurons, gains) = _byLayer[context.Layer];
        for (int t = Math.Max(0, From - context.FirstPosition); t < context.Tokens; t++)
        {
            var row = activations.Slice(t * context.Neurons, context.Neurons);
            for (int k = 0; k < neurons.Length; k++)
            {
                row[neurons[k]] *= gains[k];
            }
        }
    }
}
