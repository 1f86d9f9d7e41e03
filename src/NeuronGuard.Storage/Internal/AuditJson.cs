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

    /// <summary>
    /// The audit detail of a policy write: JSON of the change, e.g.
    /// <c>{"changes":[{"op":"set","key":"toxicity/global","entry":{"mode":"on_flag","strength":0.5,...}},{"op":"remove","key":"backdoor/a"}]}</c>,
    /// so an auditor sees the mode, strength, preset, expiry and reason that were written, not only which key.
    /// </summary>
    public static string DescribeChanges(IReadOnlyList<PolicyChange> changes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("changes");
            foreach (var change in changes)
            {
                writer.WriteStartObject();
                writer.WriteString("op", change.Json is null ? "remove" : "set");
                writer.WriteString("key", change.Key);
                if (change.Json is not null)
                {
                    writer.WritePropertyName("entry");
                    if (IsJson(change.Json))
                    {
                        writer.WriteRawValue(change.Json);
                    }
                    else
                    {
                        writer.WriteStringValue(change.Json);
                    }
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
