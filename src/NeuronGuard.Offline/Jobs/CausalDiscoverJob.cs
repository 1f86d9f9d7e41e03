using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Jobs;

/// <summary>
/// <c>neuronguard discover --role attenuate</c> as a library call: checks the catalog first (an attenuate set needs a set
/// of its kind that detects, or its flag-triggered policy could never fire), runs causal discovery and writes the set.
/// </summary>
public static class CausalDiscoverJob
{
    public sealed record Request(string ModelDir, string Positive, string Negative, NeuronSetKind Kind, string Output, CausalDiscoverOptions Options, int Threads,
        string? Version = null);

    public static (Catalog Catalog, CausalDiscoveryResult Result) Run(Request r, TextWriter? progress)
    {
        using var host = ModelHost.Load(r.ModelDir, new ModelHostOptions { Threads = r.Threads });
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        string kind = r.Kind.ToString().ToLowerInvariant();
        if (!File.Exists(r.Output))
        {
            throw new InvalidOperationException($"--role attenuate adds to an existing catalog, and {r.Output} does not exist: run discover for a {kind} set that detects first (--role detect or both) with the same --out.");
        }
        var existing = ModelFiles.LoadCatalog(r.Output);
        CatalogValidator.Validate(existing, model); // fail before the work, not after
        if (!existing.Sets.Any(s => s.Kind == r.Kind && s.Role.Detects()))
        {
            throw new InvalidOperationException($"{r.Output} has no {kind} set that detects: an attenuate set is switched on by its kind's flags, so run discover --role detect (or both) for {kind} first.");
        }
        var positive = JsonlTexts.Read(r.Positive).ToList();
        var negative = JsonlTexts.Read(r.Negative).ToList();
        var options = r.Options with { Data = $"{Path.GetFileName(r.Positive)} vs {Path.GetFileName(r.Negative)}" };
        var line = new ProgressLine(progress, "discover", 2 * Math.Min(options.RankPrompts, (positive.Count + 1) / 2));
        CausalDiscoveryResult result;
        try
        {
            result = AblationDiscoverer.Run(host, positive, negative, r.Kind, options, line);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
        string version = r.Version ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'");
        var catalog = ModelFiles.MergeSet(r.Output, model, result.Set, version);
        ModelFiles.SaveCatalog(r.Output, catalog);
        return (catalog, result);
    }
}
