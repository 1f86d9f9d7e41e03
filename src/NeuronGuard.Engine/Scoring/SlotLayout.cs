using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Engine.Scoring;

/// <summary>
/// The ordered slot list of a catalog: every neuron of every set, in set order then neuron order, each neuron
/// once, then the neurons of its probes that no set holds (probe order, neuron order). The model server packs captured values in this order, so the daemon, calibration and the baseline all
/// derive it from the catalog the same way.
/// </summary>
public sealed class SlotLayout
{
    private readonly Dictionary<NeuronRef, int> _index;
    private readonly Dictionary<string, SetSlots> _sets;

    private SlotLayout(Catalog catalog, NeuronRef[] slots, Dictionary<NeuronRef, int> index, List<SetSlots> sets, List<ProbeSlots> probes)
    {
        Catalog = catalog;
        Slots = slots;
        _index = index;
        Sets = sets;
        Probes = probes;
        _sets = sets.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public Catalog Catalog { get; }

    public IReadOnlyList<NeuronRef> Slots { get; }

    public int Count => Slots.Count;

    public IReadOnlyList<SetSlots> Sets { get; }

    /// <summary>The catalog's probes mapped onto slots; empty for a catalog without probes.</summary>
    public IReadOnlyList<ProbeSlots> Probes { get; }

    public static SlotLayout From(Catalog catalog)
    {
        var slots = new List<NeuronRef>();
        var index = new Dictionary<NeuronRef, int>();
        var sets = new List<SetSlots>();
        foreach (var set in catalog.Sets)
        {
            var setSlots = new int[set.Neurons.Count];
            for (int i = 0; i < setSlots.Length; i++)
            {
                var r = set.Neurons[i].Ref;
                if (!index.TryGetValue(r, out int slot))
                {
                    slot = slots.Count;
                    index.Add(r, slot);
                    slots.Add(r);
                }
                setSlots[i] = slot;
            }
            sets.Add(new SetSlots(set, setSlots));
        }
        var probes = new List<ProbeSlots>();
        foreach (var probe in catalog.Probes ?? [])
        {
            var probeSlots = new int[probe.Neurons.Count];
            for (int i = 0; i < probeSlots.Length; i++)
            {
                var r = probe.Neurons[i].Ref;
                if (!index.TryGetValue(r, out int slot))
                {
                    slot = slots.Count;
                    index.Add(r, slot);
                    slots.Add(r);
                }
                probeSlots[i] = slot;
            }
            probes.Add(new ProbeSlots(probe, probeSlots, sets.FirstOrDefault(s => s.Name == probe.Set)));
        }
        return new SlotLayout(catalog, [.. slots], index, sets, probes);
    }

    public bool TryGetSlot(NeuronRef neuron, out int slot) => _index.TryGetValue(neuron, out slot);

    public SetSlots Set(string name) =>
        _sets.TryGetValue(name, out var set) ? set
        : throw new KeyNotFoundException($"the catalog has no set '{name}'; its sets are: {string.Join(", ", _sets.Keys)}.");
}

/// <summary>One catalog set mapped onto plan slots: <see cref="Slots"/>[i] holds <see cref="Neurons"/>[i].</summary>
public sealed class SetSlots(NeuronSet set, int[] slots)
{
    public NeuronSet Set { get; } = set;

    public string Name => Set.Name;

    public NeuronSetKind Kind => Set.Kind;

    public NeuronSetRole Role => Set.Role;

    public int[] Slots { get; } = slots;

    public IReadOnlyList<CatalogNeuron> Neurons => Set.Neurons;
}
