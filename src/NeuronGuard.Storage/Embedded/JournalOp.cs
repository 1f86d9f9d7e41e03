using System.Collections.Immutable;
using System.Text.Json;

namespace NeuronGuard.Storage.Embedded;

/// <summary>
/// One journal record: a state change and its audit entry, applied the same way when written and when replayed
/// after a restart. JSON, so a person can read the journal: <c>{"seq":7,"op":"policy","changes":{"k":"json"|null},
/// "version":7,"audit":{…}}</c>; ops are policy, restore (whole policy), activate and audit (an audit entry alone).
/// </summary>
internal sealed record JournalOp(long Seq, string Op, string AuditJson, int AuditCap,
    IReadOnlyList<PolicyChange>? Changes = null, IReadOnlyDictionary<string, string>? Entries = null, long Version = 0,
    ActivePointers? Pointers = null)
{
    public EmbeddedState ApplyTo(EmbeddedState s)
    {
        var next = Op switch
        {
            "policy" => s with { PolicyVersion = Version, Policy = Patch(s.Policy, Changes!) },
            "restore" => s with { PolicyVersion = Version, Policy = ImmutableDictionary.CreateRange(StringComparer.Ordinal, Entries!) },
            "activate" => s with { Active = s.Active.SetItem(Pointers!.Fingerprint, Pointers) },
            _ => s,
        };
        return next.WithAudit(AuditJson, AuditCap) with { Seq = Seq };
    }

    private static ImmutableDictionary<string, string> Patch(ImmutableDictionary<string, string> policy, IReadOnlyList<PolicyChange> changes)
    {
        foreach (var c in changes)
        {
            policy = c.Json is null ? policy.Remove(c.Key) : policy.SetItem(c.Key, c.Json);
        }
        return policy;
    }

    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", Seq);
            w.WriteString("op", Op);
            w.WriteNumber("version", Version);
            if (Changes is not null)
            {
                w.WriteStartObject("changes");
                foreach (var c in Changes) w.WriteString(c.Key, c.Json);
                w.WriteEndObject();
            }
            if (Entries is not null)
            {
                w.WriteStartObject("entries");
                foreach (var (k, v) in Entries) w.WriteString(k, v);
                w.WriteEndObject();
            }
            if (Pointers is not null)
            {
                w.WriteStartObject("active");
                w.WriteString("fingerprint", Pointers.Fingerprint);
                w.WriteString("catalog", Pointers.CatalogVersion);
                w.WriteString("baseline", Pointers.BaselineVersion);
                w.WriteEndObject();
            }
            w.WritePropertyName("audit");
            w.WriteRawValue(AuditJson);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads a record written by <see cref="Encode"/>; throws JsonException or KeyNotFoundException when it is not one.</summary>
    public static JournalOp Decode(ReadOnlySpan<byte> json, int auditCap)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var r = doc.RootElement;
        List<PolicyChange>? changes = null;
        Dictionary<string, string>? entries = null;
        ActivePointers? pointers = null;
        if (r.TryGetProperty("changes", out var c))
        {
            changes = c.EnumerateObject().Select(p => new PolicyChange(p.Name, p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString())).ToList();
        }
        if (r.TryGetProperty("entries", out var e))
        {
            entries = e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        }
        if (r.TryGetProperty("active", out var a))
        {
            pointers = new ActivePointers(a.GetProperty("fingerprint").GetString()!, a.GetProperty("catalog").GetString(), a.GetProperty("baseline").GetString());
        }
        return new JournalOp(r.GetProperty("seq").GetInt64(), r.GetProperty("op").GetString()!, r.GetProperty("audit").GetRawText(), auditCap,
            changes, entries, r.GetProperty("version").GetInt64(), pointers);
    }
}
