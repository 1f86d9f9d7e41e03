using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Jobs;

/// <summary>
/// <c>neuronguard discover</c> as a library call: loads the model, streams both datasets through discovery with
/// a progress line, and writes the set into the catalog file (added, or replacing a set of the same name).
/// </summary>
public static class DiscoverJob
{
    public sealed record Request(string ModelDir, string Positive, string Negative, NeuronSetKind Kind, string Output, DiscoverOptions Options, int Threads, string? Version = null);

    public static (Catalog Catalog, DiscoveryResult Result) Run(Request r, TextWriter? progress)
    {
        using var host = ModelHost.Load(r.ModelDir, new ModelHostOptions { Threads = r.Threads });
        var model = new ModelShape { Fingerprint = host.Info.Fingerprint, Layers = host.Info.Layers, NeuronsPerLayer = host.Info.MlpNeurons };
        if (File.Exists(r.Output))
        {
            CatalogValidator.Validate(ModelFiles.LoadCatalog(r.Output), model); // fail before hours of work, not after
        }
        var line = new ProgressLine(progress, "discover", JsonlTexts.Count(r.Positive) + JsonlTexts.Count(r.Negative));
        var options = r.Options with { Data = $"{Path.GetFileName(r.Positive)} vs {Path.GetFileName(r.Negative)}" };
        var result = Discoverer.Run(host, JsonlTexts.Read(r.Positive), JsonlTexts.Read(r.Negative), r.Kind, options, line);
        string version = r.Version ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'");
        var catalog = ModelFiles.MergeSet(r.Output, model, result.Set, version);
        ModelFiles.SaveCatalog(r.Output, catalog);
        return (catalog, result);
    }
}
