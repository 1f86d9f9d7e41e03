using Google.Protobuf.Collections;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// Bounds on the strings a client sends that the daemon keeps: ids and tenants live as long as their request (and
/// tenants as metric labels), labels are kept in the flag log after the stream closes. Without bounds a client could
/// park megabytes per request (a probe kept 4 MB of labels × 10k requests on one stream). Fixed, documented in
/// docs/telemetry.md; the message size limit still applies on top. Lengths are in characters as the docs say: Unicode
/// scalar values (an emoji is one, a combining mark is one of its own), not the UTF-16 units .NET strings count.
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

    /// <summary>
    /// Length in Unicode scalar values: UTF-16 units less one per surrogate pair (a lone surrogate counts as one).
    /// </summary>
    public static int ScalarLength(string value)
    {
        var pairs = 0;
        for (var i = 0; i + 1 < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && char.IsLowSurrogate(value[i + 1]))
            {
                pairs++;
                i++;
            }
        }
        return value.Length - pairs;
    }

    /// <summary>Whether <paramref name="value"/> has more than <paramref name="max"/> characters (scalar values).</summary>
    public static bool IsOver(string value, int max, out int length)
    {
        // At most one UTF-16 unit per scalar below the limit, at most two above it: most strings need no count.
        length = value.Length <= max ? value.Length : ScalarLength(value);
        return length > max;
    }

    /// <summary>Null when <paramref name="value"/> is an acceptable id, else what is wrong with it.</summary>
    public static string? CheckId(string field, string value, int maxLength = MaxIdLength)
    {
        if (IsOver(value, maxLength, out var length))
        {
            return $"{field} is {length} characters long; the limit is {maxLength}.";
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
            if (IsOver(value, MaxLabelValueLength, out var length))
            {
                return $"label '{key}' has a value of {length} characters; the limit is {MaxLabelValueLength}.";
            }
        }
        return null;
    }
}
