using System.Text.Json;
using NeuronGuard.Storage.Internal;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// Everything small the embedded store keeps, in one file (<c>state.json</c>) replaced atomically on each
/// write: policy version and entries, active pointers, audit log. One file means a policy write and its
/// audit entry (or an activation and its entry) become durable together, like the Redis scripts.
/// </summary>
internal sealed class EmbeddedState
{
    /// <summary>Bump when the file's shape changes; a newer file is refused rather than misread.</summary>
    public const int FormatVersion = 1;

    public long PolicyVersion { get; set; }

    public Dictionary<string, string> Policy { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ActivePointers> Active { get; } = new(StringComparer.Ordinal);

    /// <summary>Audit entries as JSON, newest first.</summary>
    public List<string> Audit { get; } = [];

    public void AddAudit(AuditEntry entry, int cap)
    {
        Audit.Insert(0, AuditJson.Encode(entry));
        if (Audit.Count > cap)
        {
            Audit.RemoveRange(cap, Audit.Count - cap);
        }
    }

    public EmbeddedState Clone()
    {
        var copy = new EmbeddedState { PolicyVersion = PolicyVersion };
        foreach (var (k, v) in Policy) copy.Policy[k] = v;
        foreach (var (k, v) in Active) copy.Active[k] = v;
        copy.Audit.AddRange(Audit);
        return copy;
    }

    public byte[] Serialize()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
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
            if (format != FormatVersion)
            {
                throw new StoreDataException($"'{path}' has state format {format}; this build reads {FormatVersion}. Upgrade NeuronGuard.");
            }
            var state = new EmbeddedState { PolicyVersion = root.GetProperty("policyVersion").GetInt64() };
            foreach (var p in root.GetProperty("policy").EnumerateObject()) state.Policy[p.Name] = p.Value.GetString()!;
            foreach (var m in root.GetProperty("active").EnumerateObject())
            {
                state.Active[m.Name] = new ActivePointers(m.Name, m.Value.GetProperty("catalog").GetString(), m.Value.GetProperty("baseline").GetString());
            }
            foreach (var a in root.GetProperty("audit").EnumerateArray()) state.Audit.Add(a.GetRawText());
            return state;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new StoreDataException($"'{path}' is not a valid embedded store state file ({OneLine(e.Message)}); restore it from a backup, or move it away to start with no active catalogs, baselines or policies", e);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
