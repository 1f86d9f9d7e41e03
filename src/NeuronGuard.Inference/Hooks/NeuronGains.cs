namespace NeuronGuard.Inference;

/// <summary>
/// Immutable per-neuron gains: the activation is multiplied by the gain (0 ablates, 0.3 attenuates, 1 leaves
/// it). Build a new instance to change gains and swap it into a <see cref="NeuronGainsHook"/>.
/// </summary>
public sealed class NeuronGains
{
    public static readonly NeuronGains None = new(Array.Empty<KeyValuePair<NeuronId, float>>());

    public NeuronGains(IEnumerable<KeyValuePair<NeuronId, float>> gains)
    {
        var map = new Dictionary<NeuronId, float>();
        foreach (var (id, g) in gains)
        {
            if (!float.IsFinite(g))
            {
                throw new ArgumentOutOfRangeException(nameof(gains), $"gain of {id} is {g}; gains must be finite.");
            }
            map[id] = g;
        }
        Gains = map;
        int layers = map.Count == 0 ? 0 : map.Keys.Max(k => k.Layer) + 1;
        ByLayer = new (int[], float[])[layers];
        for (int l = 0; l < layers; l++)
        {
            var items = map.Where(p => p.Key.Layer == l).OrderBy(p => p.Key.Neuron).ToArray();
            ByLayer[l] = (items.Select(p => p.Key.Neuron).ToArray(), items.Select(p => p.Value).ToArray());
        }
    }

    public NeuronGains(IEnumerable<(NeuronId Neuron, float Gain)> gains)
        : this(gains.Select(g => KeyValuePair.Create(g.Neuron, g.Gain)))
    {
    }

    public IReadOnlyDictionary<NeuronId, float> Gains { get; }

    internal (int[] Neurons, float[] Gains)[] ByLayer { get; }
}
