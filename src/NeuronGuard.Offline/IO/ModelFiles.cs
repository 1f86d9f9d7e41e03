using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Offline.IO;

/// <summary>Catalog and baseline files: read with the file named in errors, written atomically (temp file + rename).</summary>
public static class ModelFiles
{
    public static Catalog LoadCatalog(string path)
    {
        if (!File.Exists(path))
        {
            throw new CatalogException($"catalog '{path}' does not exist: create one with `neuronguard discover` or `neuronguard catalog import-csv`.");
        }
        try
        {
            return CatalogJson.Parse(File.ReadAllBytes(path));
        }
        catch (CatalogException e)
        {
            throw new CatalogException(e.Errors.Select(m => $"{path}: {m}").ToList());
        }
    }

    public static void SaveCatalog(string path, Catalog catalog)
    {
        CatalogValidator.Validate(catalog);
        WriteAtomic(path, CatalogJson.Serialize(catalog));
    }

    public static Baseline LoadBaseline(string path)
    {
        try
        {
            return BaselineFormat.Read(File.ReadAllBytes(path));
        }
        catch (BaselineFormatException e)
        {
            throw new BaselineFormatException($"{path}: {e.Message}");
        }
    }

    public static void SaveBaseline(string path, Baseline baseline) => WriteAtomic(path, BaselineFormat.Write(baseline));

    /// <summary>
    /// Adds <paramref name="set"/> to the catalog at <paramref name="path"/> (replacing a set of the same name, and dropping
    /// the probes trained over it), or starts a new catalog.
    /// </summary>
    public static Catalog MergeSet(string path, ModelShape model, NeuronSet set, string version)
    {
        var sets = new List<NeuronSet>();
        List<CatalogProbe>? probes = null;
        if (File.Exists(path))
        {
            var existing = LoadCatalog(path);
            CatalogValidator.Validate(existing, model);
            sets.AddRange(existing.Sets.Where(s => s.Name != set.Name));
            // A probe trained over the replaced set read its old neurons: it goes with it (retrain and attach it again).
            probes = existing.Probes?.Where(p => p.Set != set.Name).ToList();
        }
        sets.Add(set);
        return new Catalog { Model = model, Version = version, Sets = sets, Probes = probes is { Count: > 0 } ? probes : null };
    }

    private static void WriteAtomic(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }
}
