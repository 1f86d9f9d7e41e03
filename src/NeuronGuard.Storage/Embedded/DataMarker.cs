namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// A file the embedded store leaves when it first writes data, so that a later start can tell a new, empty directory
/// from one whose state.json (active pointers, policies, audit) was lost: the first starts quietly, the second warns.
/// </summary>
internal static class DataMarker
{
    public const string FileName = ".has-data";

    public static void Write(string path, bool durable) =>
        AtomicFile.Write(path, "NeuronGuard embedded store: data was written here. Do not delete while state.json matters.\n"u8, durable);

    /// <summary>The one-line warning for a store directory without state.json, or null when it never held data.</summary>
    public static string? MissingStateWarning(string root, string statePath, bool marked)
    {
        var models = Path.Combine(root, "models");
        bool records = Directory.Exists(models) && Directory.EnumerateFileSystemEntries(models).Any();
        if (!marked && !records)
        {
            return null;
        }
        string evidence = marked ? $"its marker '{FileName}' is present" : "it holds records under models/";
        return $"embedded store at '{root}' had data ({evidence}) but '{statePath}' is missing: starting with no active catalogs, "
            + "baselines or policies, so connected models are not monitored; restore state.json from a backup, or re-activate each "
            + "catalog and baseline (neuronguard ctl catalog activate / baseline activate) and re-set policies";
    }
}
