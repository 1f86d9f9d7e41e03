using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Inference;

/// <summary>One model's best values over the rounds, and the FLOPs a prefill of it costs.</summary>
internal sealed class ModelRow(string name, RandomModelShape shape)
{
    public string Name => name;

    public Dictionary<int, PairedSamples> Prefill { get; } = [];

    /// <summary>Managed decode against torch with one-row matmuls through torch.mv (GEMV): the honest reference.</summary>
    public PairedSamples DecodeMv { get; set; } = new();

    /// <summary>Managed decode against torch as the reference model is written (one-row GEMMs).</summary>
    public PairedSamples DecodeAsIs { get; set; } = new();

    /// <summary>Managed decode with 1% of neurons captured (managed side) against plain managed decode (reference side).</summary>
    public PairedSamples Capture { get; set; } = new();

    public int Slots { get; set; }

    public long ManagedRssKiB { get; set; }

    public long TorchRssKiB { get; set; }

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
}
