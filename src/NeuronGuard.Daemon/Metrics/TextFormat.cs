using System.Buffers;
using System.Globalization;
using System.Text;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// The Prometheus text exposition format 0.0.4: escaping rules, name checks and number formatting.
/// </summary>
public static class TextFormat
{
    /// <summary>Content type of a scrape response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Label values escape backslash, double quote and line feed.</summary>
    internal static void EscapeLabelValue(StringBuilder sb, string value)
    {
        foreach (char c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '"' => sb.Append("\\\""),
                '\n' => sb.Append("\\n"),
                _ => sb.Append(c),
            };
        }
    }

    /// <summary>HELP text escapes backslash and line feed (not quotes).</summary>
    internal static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static void CheckMetricName(string name)
    {
        if (!IsName(name, allowColon: true))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus metric name: use letters, digits, '_' and ':', not starting with a digit (e.g. neuronguard_frames_total).", nameof(name));
        }
    }

    internal static void CheckLabelName(string name)
    {
        if (!IsName(name, allowColon: false) || name.StartsWith("__", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid label name: use letters, digits and '_', not starting with a digit or '__'.", nameof(name));
        }
    }

    private static bool IsName(string name, bool allowColon)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Writes a sample value: <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>; integral values up to 2^53 as plain integers
    /// (no exponent); others in the shortest round-trip form, invariant culture.
    /// </summary>
    internal static void WriteDouble(IBufferWriter<byte> writer, double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            Write(writer, "+Inf"u8);
            return;
        }
        if (double.IsNegativeInfinity(value))
        {
            Write(writer, "-Inf"u8);
            return;
        }
        if (double.IsNaN(value))
        {
            Write(writer, "NaN"u8);
            return;
        }
        var span = writer.GetSpan(32);
        int written;
        if (value == Math.Floor(value) && Math.Abs(value) < 9007199254740992d)
        {
            ((long)value).TryFormat(span, out written, default, CultureInfo.InvariantCulture);
        }
        else
        {
            value.TryFormat(span, out written, "R", CultureInfo.InvariantCulture);
        }
        writer.Advance(written);
    }

    internal static void WriteLong(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(24);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        writer.Advance(written);
    }

    internal static void Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        var span = writer.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        writer.Advance(bytes.Length);
    }
}
