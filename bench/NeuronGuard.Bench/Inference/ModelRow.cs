using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Inference;

/// <summary>One model's best values over the rounds, and the FLOPs a prefill of it costs.</summary>
internal sealed class ModelRow(string name, RandomModelShape shape)
{
    private readonly Dictionary<string, double> _decode = [];

    public string Name => name;

    public Dictionary<int, double> ManagedPrefill { get; } = [];

    public Dictionary<int, double> BeforePrefill { get; } = [];

    public Dictionary<int, double> TorchPrefill { get; } = [];

    public double TorchDecode { get; private set; }

    public int Slots { get; set; }

    public void Prefill(string engine, int tokens, double tokS)
    {
        var d = engine == "before" ? BeforePrefill : ManagedPrefill;
        d[tokens] = Math.Max(tokS, d.GetValueOrDefault(tokens));
    }

    public void Decode(string variant, double tokS) => _decode[variant] = Math.Max(tokS, _decode.GetValueOrDefault(variant));

    public double DecodeBest(string variant) => _decode.GetValueOrDefault(variant);

    public void Add(TorchModel t)
    {
        foreach (var (n, v) in t.Prefill)
        {
            TorchPrefill[n] = Math.Max(v, TorchPrefill.GetValueOrDefault(n));
        }
        TorchDecode = Math.Max(TorchDecode, t.Decode);
    }

    /// <summary>Weights of the blocks that multiply every token (embeddings and norms excluded).</summary>
    private long BlockWeights
    {
        get
        {
            long d = shape.Hidden, f = shape.Intermediate;
            long kv = d / shape.Heads * Math.Max(1, shape.KvHeads);
            return shape.Architecture == FixtureArchitecture.Gpt2 ? 4 * d * d + 2 * d * f : 2 * d * d + 2 * d * kv + 3 * d * f;
        }
    }

    public long Params
    {
        get
        {
            long d = shape.Hidden, v = shape.Vocab;
            return shape.Architecture == FixtureArchitecture.Gpt2
                ? v * d + shape.MaxPositions * d + shape.Layers * (BlockWeights + 9 * d + shape.Intermediate) + 2 * d
                : v * d + shape.Layers * (BlockWeights + 2 * d) + d + (shape.TiedHead ? 0 : v * d);
        }
    }

    /// <summary>Multiply-adds ×2 of a prefill of n tokens: block matmuls, causal QKᵀ and PV, the last token's head.</summary>
    public double PrefillFlops(int n) =>
        2.0 * n * BlockWeights * shape.Layers + 2.0 * 2 * shape.Hidden * (n * (n + 1) / 2.0) * shape.Layers + 2.0 * shape.Vocab * shape.Hidden;

    public override string ToString() =>
        $"{name}: managed prefill {string.Join(", ", ManagedPrefill.Select(p => $"{p.Key}:{p.Value:F1}"))} before {string.Join(", ", BeforePrefill.Select(p => $"{p.Key}:{p.Value:F1}"))} " +
        $"torch {string.Join(", ", TorchPrefill.Select(p => $"{p.Key}:{p.Value:F1}"))}; decode {DecodeBest("plain"):F1} torch {TorchDecode:F1}";
}
