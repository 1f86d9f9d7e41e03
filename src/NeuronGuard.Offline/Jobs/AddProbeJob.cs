using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Probes;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Offline.Jobs;

/// <summary>
/// <c>neuronguard catalog add-probe CATALOG PROBE</c> as a library call: attaches a <c>train-probe</c> file to the catalog
/// it was trained on, as a new catalog version (stored versions are immutable, and the baseline must be recalibrated
/// for the probe's threshold anyway). Only the probe's non-zero weights are kept; its file threshold is not: calibration
/// sets the threshold in the baseline, at the same false-positive rate as every other detector.
/// </summary>
public static class AddProbeJob
{
    public sealed record Request(string CatalogPath, string ProbePath, string? Name, string? Version, string? Output, bool Replace);

    public static (Catalog Catalog, CatalogProbe Probe) Run(Request r)
    {
        var catalog = ModelFiles.LoadCatalog(r.CatalogPath);
        if (!File.Exists(r.ProbePath))
        {
            throw new FileNotFoundException($"probe file '{r.ProbePath}' does not exist: write one with `neuronguard train-probe`.");
        }
        SparseProbe trained;
        try
        {
            trained = SparseProbeJson.Deserialize(File.ReadAllText(r.ProbePath));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{r.ProbePath}: {e.Message}", e);
        }
        if (!string.Equals(trained.Fingerprint, catalog.Model.Fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{r.ProbePath} was trained on model {trained.Fingerprint} but {r.CatalogPath} is for {catalog.Model.Fingerprint}: train the probe on this catalog's model.");
        }
        string name = r.Name ?? (string.IsNullOrEmpty(trained.Set) ? "probe" : trained.Set);
        var others = (catalog.Probes ?? []).Where(p => p.Name != name).ToList();
        if (others.Count != (catalog.Probes?.Count ?? 0) && !r.Replace)
        {
            throw new InvalidDataException($"{r.CatalogPath} already has a probe '{name}': pass --replace to replace it, or --name to add it beside.");
        }
        var probe = CatalogProbe.From(trained, name, DateTime.UtcNow.ToString("yyyy-MM-dd"));
        var updated = catalog with
        {
            Version = r.Version ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'"),
            Probes = [.. others, probe],
        };
        if (updated.Version == catalog.Version)
        {
            throw new InvalidDataException($"--version {updated.Version} is the catalog's current version: a catalog with a new probe needs a new version (stored versions are immutable).");
        }
        ModelFiles.SaveCatalog(r.Output ?? r.CatalogPath, updated);
        return (updated, probe);
    }
}
