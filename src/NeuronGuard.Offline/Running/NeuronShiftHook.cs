using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Adds a constant to chosen neurons' MLP activations at every token: a mean-shift edit (what raising the bias the
/// next projection reads from those neurons does), which keeps each neuron's variance and moves its mean. Used to
/// measure the integrity alarm on edits other than pruning.
/// </summary>
public sealed class NeuronShiftHook(IReadOnlyDictionary<NeuronId, float> shifts) : IMlpHook
{
    public void OnMlpActivation(in MlpActivationContext context, Span<float> activations)
    {
        foreach (var (id, shift) in shifts)
        {
            if (id.Layer != context.Layer || id.Neuron >= context.Neurons)
            {
                continue;
            }
            for (int t = 0; t < context.Tokens; t++)
            {
                activations[t * context.Neurons + id.Neuron] += shift;
            }
        }
    }
}
