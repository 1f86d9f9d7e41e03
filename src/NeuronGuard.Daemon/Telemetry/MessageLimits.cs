using Google.Protobuf.Collections;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// Bounds on the strings a client sends that the daemon keeps: ids and tenants live as long as their request (and
/// tenants as metric labels), labels are kept in the flag log after the stream closes. Without bounds a client could
/// park megabytes per request (a probe kept 4 MB of labels × 10k requests on one stream). Fixed, documented in
/// docs/telemetry.md; the message size limit still applies on top.
/// </summary>
internal static class MessageLimits
{
    /// <summary>request_id, server_id, model_id, catalog_version: 256 characters.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Tenant names: 128 characters, as in a policy scope.</summary>
    public const int MaxTenantLength = 128;

    /// <summary>Labels per request: 32, each key 64 characters and each value 256.</summary>
    public const int MaxLabels = 32;

    public const int MaxLabelKeyLength = 64;

    public const int MaxLabelValueLength = 256;

    /// <summary>Null when <paramref name="value"/> is an acceptable id, else what is wrong with it.</summary>
    public static string? CheckId(string field, string value, int maxLength = MaxIdLength)
    {
        if (value.Length > maxLength)
        {
            return $"{field} is {value.Length} characters long; the limit is {maxLength}.";
        }
        // Google.Protobuf decodes invalid UTF-8 to U+FFFD; an id mangled that way would no longer match what the client
        // sent, so refuse it instead of keeping a different string.
        if (value.Contains('\uFFFD'))
        {
            return $"{field} is not valid UTF-8 (or contains U+FFFD): send ids as UTF-8 text.";
        }
        return null;
    }

    public static string? CheckLabels(MapField<string, string> labels)
    {
        if (labels.Count > MaxLabels)
        {
            return $"RequestStart has {labels.Count} labels; the limit is {MaxLabels}.";
        }
        foreach (var (key, value) in labels)
        {
            if (CheckId("a label key", key, MaxLabelKeyLength) is { } keyProblem)
            {
                return keyProblem;
            }
            if (value.Length > MaxLabelValueLength)
            {
                return $"label '{key}' has a value of {value.Length} characters; the limit is {MaxLabelValueLength}.";
            }
        }
        return null;
    }
}
