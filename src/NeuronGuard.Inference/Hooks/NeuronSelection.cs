namespace NeuronGuard.Inference;

/// <summary>One MLP neuron: its layer and its index within the layer's intermediate activation.</summary>
public readonly record struct NeuronId(int Layer, int Neuron);

/// <summary>
/// An ordered list of neurons ("slots"): slot i is <see cref="Slots"/>[i]. The telemetry stream packs values
/// in this order, so the daemon and the model server agree on it at connect time.
/// </summary>
public sealed class NeuronSelection
{
    public NeuronSelection(IEnumerable<NeuronId> slots)
    {
        var array = slots.ToArray();
        Slots = array;
        var seen = new HashSet<NeuronId>();
        foreach (var s in array)
        {
            if (s.Layer < 0 || s.Neuron < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(slots), $"slot {s} has a negative layer or neuron index.");
            }
            if (!seen.Add(s))
            {
                throw new ArgumentException($"slot {s} appears twice; each neuron may be selected once.", nameof(slots));
            }
        }
        int layers = array.Length == 0 ? 0 : array.Max(s => s.Layer) + 1;
        ByLayer = new (int[] Neurons, int[] SlotIndex)[layers];
        for (int l = 0; l < layers; l++)
        {
            var picks = array.Select((s, i) => (s, i)).Where(p => p.s.Layer == l).ToArray();
            ByLayer[l] = (picks.Select(p => p.s.Neuron).ToArray(), picks.Select(p => p.i).ToArray());
        }
    }

    public IReadOnlyList<NeuronId> Slots { get; }

    public int Count => Slots.Count;

    /// <summary>Per layer, the neuron indices selected and the slot each lands in (precomputed for the copy loop).</summary>
    internal (int[] Neurons, int[] SlotIndex)[] ByLayer { get; }
}
