using System.Text;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>The label values of one series and their text form (<c>a="x",b="y"</c>, escaped), encoded once at creation.</summary>
internal sealed class LabelSet
{
    public static readonly LabelSet Empty = new([], []);

    public LabelSet(string[] names, string[] values)
    {
        Values = values;
        var sb = new StringBuilder();
        for (int i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(names[i]).Append("=\"");
            TextFormat.EscapeLabelValue(sb, values[i]);
            sb.Append('"');
        }
        Utf8 = Encoding.UTF8.GetBytes(sb.ToString());
    }

    public string[] Values { get; }

    /// <summary>UTF-8 of the pairs without braces; empty for an unlabeled series.</summary>
    public byte[] Utf8 { get; }
}

/// <summary>Dictionary key for up to three label values; compares the strings, so lookups allocate nothing.</summary>
internal readonly record struct LabelKey(string? A, string? B, string? C);
