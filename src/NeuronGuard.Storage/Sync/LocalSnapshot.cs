using System.Text.Json;
using NeuronGuard.Storage.Embedded;
using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Sync;

/// <summary>
/// The cache's copy on local disk, so a daemon restarted while Redis is down can still serve. Layout:
/// <c>records/{fingerprint}.{kind}.{version}.ngr</c> (record envelopes, written once) and <c>snapshot.json</c>
/// (policy and active versions, replaced atomically after the records it names are durable).
/// </summary>
internal sealed class LocalSnapshot(string directory)
{
    public const int FormatVersion = 1;

    public string Directory { get; } = Path.GetFullPath(directory);

    private string IndexPath => Path.Combine(Directory, "snapshot.json");

    private string RecordPath(RecordKind kind, string fingerprint, string version) =>
        Path.Combine(Directory, "records", $"{fingerprint}.{kind.Name()}.{version}.ngr");

    /// <summary>Keeps a loaded record's bytes; cheap when it is already there (records are immutable).</summary>
    public void SaveRecord(StoredRecord record)
    {
        var i = record.Info;
        var path = RecordPath(i.Kind, i.Fingerprint, i.Version);
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, RecordEnvelope.Encode(i.Kind, i.Fingerprint, i.Version, i.FormatVersion, i.CreatedAt, i.Actor, record.Payload.Span),
                durable: true, overwrite: false);
        }
    }

    /// <summary>Publishes the index, then deletes record files it no longer names.</summary>
    public void SaveIndex(PolicySnapshot policy, IEnumerable<ActivePointers> active, DateTimeOffset takenAt, string source)
    {
        var pointers = active.ToList();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("takenAt", takenAt.ToString("O"));
            w.WriteString("source", source);
            w.WriteNumber("policyVersion", policy.Version);
            w.WriteStartObject("policy");
            foreach (var (k, v) in policy.Entries) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteStartObject("active");
            foreach (var p in pointers)
            {
                w.WriteStartObject(p.Fingerprint);
                w.WriteString("catalog", p.CatalogVersion);
                w.WriteString("baseline", p.BaselineVersion);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        AtomicFile.Write(IndexPath, buffer.ToArray(), durable: true);
        var keep = pointers.SelectMany(p => new[] { (RecordKind.Catalog, p.CatalogVersion), (RecordKind.Baseline, p.BaselineVersion) }
            .Where(x => x.Item2 is not null).Select(x => RecordPath(x.Item1, p.Fingerprint, x.Item2!))).ToHashSet(StringComparer.Ordinal);
        var records = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "records")).FullName;
        foreach (var file in System.IO.Directory.EnumerateFiles(records))
        {
            if (!keep.Contains(file))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>The saved index, or null when there is none yet.</summary>
    public (PolicySnapshot Policy, IReadOnlyList<ActivePointers> Active, DateTimeOffset TakenAt, string Source)? LoadIndex()
    {
        if (!File.Exists(IndexPath))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(IndexPath));
            var root = doc.RootElement;
            if (root.GetProperty("format").GetInt32() != FormatVersion)
            {
                throw new StoreDataException($"'{IndexPath}' has snapshot format {root.GetProperty("format").GetInt32()}; this build reads {FormatVersion}");
            }
            var entries = root.GetProperty("policy").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            var active = root.GetProperty("active").EnumerateObject()
                .Select(m => new ActivePointers(m.Name, m.Value.GetProperty("catalog").GetString(), m.Value.GetProperty("baseline").GetString())).ToList();
            return (new PolicySnapshot(root.GetProperty("policyVersion").GetInt64(), entries), active,
                DateTimeOffset.Parse(root.GetProperty("takenAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.GetProperty("source").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new StoreDataException($"'{IndexPath}' is not a valid snapshot ({e.Message}); delete it to start without one", e);
        }
    }

    /// <summary>A saved record, verified; null when missing.</summary>
    public StoredRecord? LoadRecord(RecordKind kind, string fingerprint, string version)
    {
        var path = RecordPath(kind, fingerprint, version);
        return File.Exists(path)
            ? RecordEnvelope.Decode(File.ReadAllBytes(path), kind, fingerprint, version, $"{kind.Name()} '{version}' of model '{fingerprint}' in snapshot {path}")
            : null;
    }
}
