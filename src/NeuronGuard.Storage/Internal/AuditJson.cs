using System.Text;
using System.Text.Json;

namespace NeuronGuard.Storage.Internal;

/// <summary>
/// The JSON form of an audit entry, the same in Redis (list items) and in the embedded state file.
/// The Redis scripts fill in <c>version</c> and <c>detail</c> where only the server knows them (cjson).
/// </summary>
internal static class AuditJson
{
    public static string Encode(AuditEntry entry)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("at", entry.At.ToUniversalTime().ToString("O"));
            writer.WriteString("actor", entry.Actor);
            writer.WriteString("action", entry.Action);
            writer.WriteString("target", entry.Target);
            writer.WriteString("version", entry.Version);
            writer.WriteString("detail", entry.Detail);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static AuditEntry Decode(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            return new AuditEntry(
                DateTimeOffset.Parse(root.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                root.GetProperty("actor").GetString()!,
                root.GetProperty("action").GetString()!,
                root.GetProperty("target").GetString()!,
                root.GetProperty("version").GetString()!,
                root.GetProperty("detail").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return new AuditEntry(DateTimeOffset.MinValue, "?", "unreadable", "?", "?", $"unreadable audit entry ({e.Message}): {json}");
        }
    }

    /// <summary>"set toxicity/global; removed backdoor/a" for the audit detail of a policy write.</summary>
    public static string DescribeChanges(IReadOnlyList<PolicyChange> changes)
    {
        var set = changes.Where(c => c.Json is not null).Select(c => c.Key).ToList();
        var removed = changes.Where(c => c.Json is null).Select(c => c.Key).ToList();
        var parts = new List<string>(2);
        if (set.Count > 0)
        {
            parts.Add("set " + string.Join(", ", set));
        }
        if (removed.Count > 0)
        {
            parts.Add("removed " + string.Join(", ", removed));
        }
        return parts.Count == 0 ? "no entries changed" : string.Join("; ", parts);
    }
}
