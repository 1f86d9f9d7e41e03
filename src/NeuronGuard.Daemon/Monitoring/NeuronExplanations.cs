using Google.Protobuf.Collections;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Records;
using EngineCatalog = NeuronGuard.Engine.Catalogs.Catalog;
using EngineRef = NeuronGuard.Engine.NeuronRef;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// One catalog version's neuron explanations (<c>neuronguard explain</c>) as wire messages, built once with the model's
/// plan so that a Control answer only looks neurons up. They go into Control answers (ListFlagged, WatchVerdicts) on
/// copies of the contributions: the verdicts sent to model servers never carry them (they are for people, and a model
/// server would pay their bytes on every flagged verdict).
/// </summary>
public sealed class NeuronExplanations
{
    public static readonly NeuronExplanations None = new([]);

    private readonly Dictionary<EngineRef, NeuronExplanation> _byNeuron;

    private NeuronExplanations(Dictionary<EngineRef, NeuronExplanation> byNeuron) => _byNeuron = byNeuron;

    public int Count => _byNeuron.Count;

    /// <summary>The catalog's explanations by neuron (a neuron listed in several sets has one explanation: it is a property of the weights).</summary>
    public static NeuronExplanations From(EngineCatalog catalog)
    {
        var map = new Dictionary<EngineRef, NeuronExplanation>();
        foreach (var n in catalog.Sets.SelectMany(s => s.Neurons))
        {
            if (n.Explanation is not null && !map.ContainsKey(n.Ref))
            {
                map[n.Ref] = CatalogMapping.ToProto(n.Explanation)!;
            }
        }
        return map.Count == 0 ? None : new NeuronExplanations(map);
    }

    public NeuronExplanation? Find(NeuronRef? neuron) =>
        neuron is not null && _byNeuron.TryGetValue(new EngineRef((int)neuron.Layer, (int)neuron.Index), out var e) ? e : null;

    /// <summary>Adds <paramref name="from"/> to <paramref name="to"/>, as copies carrying explanations where the catalog has them.</summary>
    public void AddExplained(RepeatedField<NeuronContribution> from, RepeatedField<NeuronContribution> to)
    {
        foreach (var c in from)
        {
            to.Add(Explained(c));
        }
    }

    /// <summary><paramref name="verdict"/> itself when nothing is to be explained, else a copy whose top neurons carry explanations.</summary>
    public Verdict Explained(Verdict verdict)
    {
        if (_byNeuron.Count == 0 || verdict.TopNeurons.Count == 0)
        {
            return verdict;
        }
        var copy = verdict.Clone(); // the original may still be on its way to the model server: never write into it
        for (int i = 0; i < copy.TopNeurons.Count; i++)
        {
            copy.TopNeurons[i].Explanation = Find(copy.TopNeurons[i].Neuron);
        }
        return copy;
    }

    private NeuronContribution Explained(NeuronContribution c) =>
        Find(c.Neuron) is { } e ? new NeuronContribution(c) { Explanation = e } : c;
}
