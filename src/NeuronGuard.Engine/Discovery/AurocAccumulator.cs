namespace NeuronGuard.Engine.Discovery;

/// <summary>
/// Streaming per-neuron AUROC over every MLP neuron of a model: each text contributes one max activation per
/// neuron to a fixed-bin histogram of its class (<see cref="AsinhBins"/>) plus running mean and variance. Memory
/// is neurons × (2·B ints + 6 doubles), independent of the number of texts.
/// <para>
/// AUROC = P(pos &gt; neg) + ½·P(tie) estimated as Σ_b p⁺_b·(N⁻_{&lt;b} + ½·n⁻_b) / (N⁺·N⁻). Only pairs in the same bin
/// are unresolved, and counting them half is off by at most half their share, so
/// |AUROC_est − AUROC_true| ≤ ½·Σ_b n⁺_b·n⁻_b / (N⁺·N⁻), reported per neuron as the error bound.
/// </para>
/// </summary>
public sealed class AurocAccumulator
{
    private readonly int[] _pos;
    private readonly int[] _neg;
    private readonly double[] _sum; // (class, neuron)
    private readonly double[] _sumSq;

    public AurocAccumulator(int layers, int neuronsPerLayer, AsinhBins? bins = null)
    {
        Layers = layers;
        NeuronsPerLayer = neuronsPerLayer;
        Bins = bins ?? new AsinhBins();
        long cells = (long)Neurons * Bins.Count;
        _pos = new int[cells];
        _neg = new int[cells];
        _sum = new double[2 * Neurons];
        _sumSq = new double[2 * Neurons];
    }

    public int Layers { get; }

    public int NeuronsPerLayer { get; }

    public int Neurons => Layers * NeuronsPerLayer;

    public AsinhBins Bins { get; }

    public int Positives { get; private set; }

    public int Negatives { get; private set; }

    /// <summary>One text: its max activation per neuron, layer-major (layer · neuronsPerLayer + index).</summary>
    public void Add(bool positive, ReadOnlySpan<float> maxPerNeuron)
    {
        if (maxPerNeuron.Length != Neurons)
        {
            Throw.Argument($"expected {Neurons} max activations (all layers × neurons), got {maxPerNeuron.Length}.", nameof(maxPerNeuron));
        }
        var hist = positive ? _pos : _neg;
        int offset = positive ? 0 : Neurons;
        int b = Bins.Count;
        for (int i = 0; i < maxPerNeuron.Length; i++)
        {
            float x = maxPerNeuron[i];
            hist[(long)i * b + Bins.Bin(x)]++;
            _sum[offset + i] += x;
            _sumSq[offset + i] += (double)x * x;
        }
        if (positive)
        {
            Positives++;
        }
        else
        {
            Negatives++;
        }
    }

    public NeuronAuroc[] Compute()
    {
        if (Positives == 0 || Negatives == 0)
        {
            Throw.InvalidOperation($"AUROC needs both classes: got {Positives} positive and {Negatives} negative texts.");
        }
        var result = new NeuronAuroc[Neurons];
        for (int i = 0; i < Neurons; i++)
        {
            result[i] = ForNeuron(i);
        }
        return result;
    }

    private NeuronAuroc ForNeuron(int i)
    {
        int bins = Bins.Count;
        var pos = _pos.AsSpan(i * bins, bins);
        var neg = _neg.AsSpan(i * bins, bins);
        double below = 0, wins = 0, ties = 0;
        for (int b = 0; b < bins; b++)
        {
            wins += pos[b] * (below + 0.5 * neg[b]);
            ties += (double)pos[b] * neg[b];
            below += neg[b];
        }
        double pairs = (double)Positives * Negatives;
        return new NeuronAuroc(new NeuronRef(i / NeuronsPerLayer, i % NeuronsPerLayer), wins / pairs, 0.5 * ties / pairs, EffectSize(i));
    }

    private double EffectSize(int i)
    {
        double m1 = _sum[i] / Positives, m0 = _sum[Neurons + i] / Negatives;
        double v1 = Math.Max(0, _sumSq[i] / Positives - m1 * m1);
        double v0 = Math.Max(0, _sumSq[Neurons + i] / Negatives - m0 * m0);
        double pooled = Math.Sqrt((v1 + v0) / 2);
        return (m1 - m0) / Math.Max(pooled, 1e-12);
    }
}
