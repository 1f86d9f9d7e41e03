using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference.Explaining;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Jobs;

/// <summary>
/// <c>neuronguard explain</c>'s computation: every distinct neuron of the catalog through the logit lens
/// (<see cref="LogitLens"/>), its top-k promoted and suppressed tokens stored as the neuron's
/// <see cref="NeuronExplanation"/> in every set that lists it. Scores, gains and the slot order are unchanged, so a
/// baseline calibrated for the catalog still fits the explained one.
/// </summary>
public static class ExplainJob
{
    /// <summary>Default tokens per list: enough to see a theme, short enough for a terminal line.</summary>
    public const int DefaultTopK = 8;

    /// <summary>The model shape <paramref name="lens"/> was opened on, for <see cref="CatalogValidator.Validate(Catalog, ModelShape)"/>.</summary>
    public static ModelShape Shape(LogitLens lens) => new()
    {
        Fingerprint = lens.Fingerprint, LegacyFingerprint = lens.LegacyFingerprint, Layers = lens.Layers, NeuronsPerLayer = lens.NeuronsPerLayer,
    };

    /// <summary>
    /// The catalog with explanations (version <paramref name="version"/>, or its own); throws <see cref="CatalogException"/>
    /// when it belongs to another model. <paramref name="tokens"/> gets each distinct neuron's result.
    /// </summary>
    public static Catalog Run(Catalog catalog, LogitLens lens, int topK, string? version, TextWriter? progress, out IReadOnlyList<NeuronTokens> tokens)
    {
        if (topK is < 1 or > NeuronExplanation.MaxTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), $"--top-k {topK} is out of range: give 1 to {NeuronExplanation.MaxTokens} (default {DefaultTopK}).");
        }
        CatalogValidator.Validate(catalog, Shape(lens));
        var neurons = catalog.Sets.SelectMany(s => s.Neurons).Select(n => (n.Layer, n.Index)).Distinct().ToList();
        var line = new ProgressLine(progress, "explain", neurons.Count, unit: "neurons");
        int done = 0;
        var results = lens.Explain(neurons, topK, n =>
        {
            line.Advance(n - done);
            done = n;
        });
        line.Finish();
        tokens = results;
        var byNeuron = results.ToDictionary(r => (r.Layer, r.Index), r => new NeuronExplanation
        {
            Promotes = r.Promotes.Select(t => Clip(t.Text)).ToList(),
            Suppresses = r.Suppresses.Select(t => Clip(t.Text)).ToList(),
            Method = lens.Method,
        });
        return catalog with
        {
            Version = version ?? catalog.Version,
            Sets = catalog.Sets.Select(s => s with
            {
                Neurons = s.Neurons.Select(n => n with { Explanation = byNeuron[(n.Layer, n.Index)] }).ToList(),
            }).ToList(),
        };
    }

    /// <summary>Token strings are short; a pathological added token is cut to what the catalog accepts.</summary>
    private static string Clip(string text) =>
        text.Length <= NeuronExplanation.MaxTokenLength ? text : text[..(NeuronExplanation.MaxTokenLength - 1)] + "…";
}
