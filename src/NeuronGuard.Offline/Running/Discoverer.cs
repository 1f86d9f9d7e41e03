using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Discovery;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Running;

/// <summary>Settings of <c>neuronguard discover</c>. One setting, one property, default beside it.</summary>
public sealed record DiscoverOptions
{
    /// <summary>Name of the written set. Defaults to the kind's name.</summary>
    public string? SetName { get; init; }

    /// <summary>Keep at most this many neurons. Defaults to 10 when <see cref="MinAuroc"/> is not given either.</summary>
    public int? TopK { get; init; }

    /// <summary>Keep neurons whose AUROC is at least this.</summary>
    public double? MinAuroc { get; init; }

    /// <summary>Histogram bins per neuron and class (memory: layers × neurons × 2 × 4 bytes per bin). Defaults to 256.</summary>
    public int Bins { get; init; } = 256;

    /// <summary>Role of the written set: both (the default) or detect; attenuate sets come from <see cref="AblationDiscoverer"/>.</summary>
    public NeuronSetRole Role { get; init; }

    /// <summary>What goes in the set's provenance.data. Defaults to "positive vs negative".</summary>
    public string Data { get; init; } = "positive vs negative";
}

/// <summary>What discovery found: every neuron ranked, and the set built from the kept ones.</summary>
public sealed record DiscoveryResult(NeuronAuroc[] Ranked, NeuronSet Set, int Positives, int Negatives);

/// <summary>
/// Discovery (AurA): runs every text through the model, takes each MLP neuron's max activation over the text's
/// tokens, and streams it into per-neuron histograms (<see cref="AurocAccumulator"/>), so memory does not grow
/// with the number of texts. Every neuron of every layer is scored.
/// </summary>
public static class Discoverer
{
    public static DiscoveryResult Run(ModelHost host, IEnumerable<string> positive, IEnumerable<string> negative, NeuronSetKind kind,
        DiscoverOptions options, ProgressLine? progress = null)
    {
        var info = host.Info;
        var acc = new AurocAccumulator(info.Layers, info.MlpNeurons, new AsinhBins(options.Bins));
        var hook = new MaxActivationHook(info.Layers, info.MlpNeurons);
        using var session = host.CreateSession();
        using (session.Register(hook))
        {
            Feed(session, hook, acc, positive, true, progress);
            Feed(session, hook, acc, negative, false, progress);
        }
        progress?.Finish();
        var ranked = NeuronRanking.Rank(acc.Compute());
        var kept = NeuronRanking.Select(ranked, options.TopK ?? (options.MinAuroc is null ? 10 : null), options.MinAuroc);
        var provenance = new Provenance { Method = "aura-auroc-max", Data = options.Data, Date = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        var set = NeuronRanking.ToSet(options.SetName ?? NeuronSetKindConverterName(kind), kind, kept, provenance) with { Role = options.Role };
        return new DiscoveryResult(ranked, set, acc.Positives, acc.Negatives);
    }

    private static void Feed(InferenceSession session, MaxActivationHook hook, AurocAccumulator acc, IEnumerable<string> texts, bool positive, ProgressLine? progress)
    {
        foreach (var text in texts)
        {
            hook.Clear();
            session.Reset();
            session.Prefill(PromptRunner.Tokens(session.Host, text, session.MaxContextTokens));
            acc.Add(positive, hook.Max);
            progress?.Advance();
        }
    }

    private static string NeuronSetKindConverterName(NeuronSetKind kind) => kind.ToString().ToLowerInvariant();
}
