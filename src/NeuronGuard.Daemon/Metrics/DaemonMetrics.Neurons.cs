using System.Collections.Concurrent;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>The neuron view: top catalogued neurons per model and set, their moving means published at scrape time.</summary>
public sealed partial class DaemonMetrics
{
    private readonly ConcurrentDictionary<(string Model, string Set, int Layer, int Neuron), NeuronMetrics> _neurons = new();
    private readonly ConcurrentDictionary<(string Model, string Set), int> _neuronsPerSet = new();

    /// <summary>
    /// The neuron-view handle of one catalogued neuron of <paramref name="model"/> (its fingerprint). The first
    /// <see cref="MetricsOptions.TopNeurons"/> neurons asked for per model and set are exported (pass them in catalogue
    /// order, most significant first); later ones get <see cref="NeuronMetrics.Noop"/>. Asking again for the same neuron
    /// returns the same handle and updates its baseline.
    /// </summary>
    public NeuronMetrics Neuron(string model, string set, int layer, int neuron, float baselineMean)
    {
        var key = (model, set, layer, neuron);
        if (!_neurons.TryGetValue(key, out var handle))
        {
            lock (_gate)
            {
                if (!_neurons.TryGetValue(key, out handle))
                {
                    int count = _neuronsPerSet.GetValueOrDefault((model, set));
                    if (count >= Options.TopNeurons)
                    {
                        return NeuronMetrics.Noop;
                    }
                    _neuronsPerSet[(model, set)] = count + 1;
                    handle = new NeuronMetrics(ActivationMean.WithLabels(model, set, NeuronLabel(layer, neuron)));
                    _neurons[key] = handle;
                }
            }
        }
        BaselineMean.WithLabels(model, set, NeuronLabel(layer, neuron)).Set(baselineMean);
        return handle;
    }

    /// <summary>Forgets every neuron-view series (after a catalog or baseline switch), so the next calls pick the new top neurons.</summary>
    public void ResetNeurons()
    {
        lock (_gate)
        {
            _neurons.Clear();
            _neuronsPerSet.Clear();
            ActivationMean.Clear();
            BaselineMean.Clear();
        }
    }

    private static string NeuronLabel(int layer, int neuron) => $"L{layer}N{neuron}";

    /// <summary>Before each scrape: copies every moving mean into its gauge, so the per-frame update touches no metric.</summary>
    private void PublishNeurons()
    {
        foreach (var handle in _neurons.Values)
        {
            handle.Publish();
        }
    }
}
