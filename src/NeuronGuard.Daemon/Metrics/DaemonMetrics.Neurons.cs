using System.Collections.Concurrent;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>The neuron view: top catalogued neurons per model and set, their moving means published at scrape time.</summary>
public sealed partial class DaemonMetrics
{
    private readonly ConcurrentDictionary<(string Model, string Set, int Layer, int Neuron), NeuronMetrics> _neurons = new();
    private readonly ConcurrentDictionary<(string Model, string Set), int> _neuronsPerSet = new();
    private readonly ConcurrentDictionary<string, byte> _modelNames = new(StringComparer.Ordinal);

    /// <summary>Distinct <c>model_name</c> label values; later names are exported as "other" (as tenants beyond MaxTenants).</summary>
    public const int MaxModelNames = 50;

    /// <summary>
    /// The <c>model_name</c> label for a catalog's model name: "" when the catalog names none, the name itself for the
    /// first <see cref="MaxModelNames"/> distinct names (the catalog validator bounds each to 64 characters), "other" after.
    /// </summary>
    public string ModelNameLabel(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "";
        }
        if (_modelNames.ContainsKey(name))
        {
            return name;
        }
        lock (_gate)
        {
            if (_modelNames.Count >= MaxModelNames && !_modelNames.ContainsKey(name))
            {
                return "other";
            }
            _modelNames.TryAdd(name, 0);
            return name;
        }
    }

    /// <summary>
    /// The neuron-view handle of one catalogued neuron of <paramref name="model"/> (its fingerprint). The first
    /// <see cref="MetricsOptions.TopNeurons"/> neurons asked for per model and set are exported (pass them in catalogue
    /// order, most significant first); later ones get <see cref="NeuronMetrics.Noop"/>. Asking again for the same neuron
    /// returns the same handle and updates its baseline. <paramref name="modelName"/> is the catalog's model name
    /// (<c>model_name</c> label, bounded by <see cref="ModelNameLabel"/>), null when it names none.
    /// </summary>
    public NeuronMetrics Neuron(string model, string? modelName, string set, int layer, int neuron, float baselineMean)
    {
        string name = ModelNameLabel(modelName);
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
                    handle = new NeuronMetrics(ActivationMean.WithLabels(model, name, set, NeuronLabel(layer, neuron)));
                    _neurons[key] = handle;
                }
            }
        }
        BaselineMean.WithLabels(model, name, set, NeuronLabel(layer, neuron)).Set(baselineMean);
        return handle;
    }

    /// <summary>The neuron-view handle of a neuron of a model whose catalog names no model (<c>model_name=""</c>).</summary>
    public NeuronMetrics Neuron(string model, string set, int layer, int neuron, float baselineMean) => Neuron(model, null, set, layer, neuron, baselineMean);

    /// <summary>Forgets every neuron-view series (after a catalog or baseline switch), so the next calls pick the new top neurons.</summary>
    public void ResetNeurons()
    {
        lock (_gate)
        {
            _neurons.Clear();
            _neuronsPerSet.Clear();
            _modelNames.Clear();
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
