using System.Collections.Immutable;
using System.Text.Json;
using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// Everything small the embedded store keeps: policy version and entries, active pointers, audit log, and the journal
/// sequence number it includes. Immutable with O(log n) updates, so a write costs the same at 20 policy entries as at
/// 20,000, and a background checkpoint can serialize one version while writers publish the next.
/// </summary>
internal sealed record EmbeddedState(
    long Seq,
    long PolicyVersion,
    ImmutableDictionary<string, string> Policy,
    ImmutableDictionary<string, ActivePointers> Active,
    ImmutableList<string> Audit)
{
    /// <summary>
    /// Bump when the file's shape changes; a newer file is refused rather than misread. 2 added <c>journalSeq</c>
    /// (a format-1 file reads as sequence 0); an older build refuses a format-2 file instead of ignoring the journal.
    /// </summary>
    public const int FormatVersion = 2;

    public static EmbeddedState Empty { get; } = new(0, 0, ImmutableDictionary.Create<string, string>(StringComparer.Ordinal),
        ImmutableDictionary.Create<string, ActivePointers>(StringComparer.Ordinal), []);

    /// <summary>Audit entries as JSON, newest first, at most <paramref name="cap"/>.</summary>
    public EmbeddedState WithAudit(string entryJson, int cap)
    {
        var audit = Audit.Insert(0, entryJson);
        while (audit.Count > cap)
        {
            audit = audit.RemoveAt(audit.Count - 1);
        }
        return this with { Audit = audit };
    }

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteNumber("journalSeq", Seq);
            w.WriteNumber("policyVersion", PolicyVersion);
            w.WriteStartObject("policy");
            foreach (var (k, v) in Policy) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteStartObject("active");
            foreach (var (fp, p) in Active)
            {
                w.WriteStartObject(fp);
                w.WriteString("catalog", p.CatalogVersion);
                w.WriteString("baseline", p.BaselineVersion);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("audit");
            foreach (var json in Audit) w.WriteRawValue(json);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static EmbeddedState Deserialize(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            var format = root.GetProperty("format").GetInt32();
            if (format is < 1 or > FormatVersion)
            {
                throw new StoreDataException($"'{path}' has state format {format}; this build reads up to {FormatVersion}. Upgrade NeuronGuard.");
            }
            var policy = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var p in root.GetProperty("policy").EnumerateObject()) policy[p.Name] = p.Value.GetString()!;
            var active = ImmutableDictionary.CreateBuilder<string, ActivePointers>(StringComparer.Ordinal);
            foreach (var m in root.GetProperty("active").EnumerateObject())
            {
                active[m.Name] = new ActivePointers(m.Name, m.Value.GetProperty("catalog").GetString(), m.Value.GetProperty("baseline").GetString());
            }
            var audit = ImmutableList.CreateBuilder<string>();
            foreach (var a in root.GetProperty("audit").EnumerateArray()) audit.Add(a.GetRawText());
            var seq = format >= 2 ? root.GetProperty("journalSeq").GetInt64() : 0;
            return new EmbeddedState(seq, root.GetProperty("policyVersion").GetInt64(), policy.ToImmutable(), active.ToImmutable(), audit.ToImmutable());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new StoreDataException($"'{path}' is not a valid embedded store state file ({OneLine(e.Message)}); restore it from a backup, or move it away to start with no active catalogs, baselines or policies", e);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
