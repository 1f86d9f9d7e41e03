using System.Text;

namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// A neuron with its explanation on one terminal line: <c>L2:17 ↑" unlocked" " open" ↓" shut"</c>. Tokens are quoted
/// because their leading spaces matter, and control characters are escaped (a token can be "\n"), so a line stays a line.
/// </summary>
internal static class ExplanationText
{
    /// <summary>Tokens shown per list in ctl's tables: the strongest few; the catalog holds the rest.</summary>
    public const int Shown = 3;

    public static string Neuron(uint layer, uint index, IReadOnlyList<string>? promotes, IReadOnlyList<string>? suppresses, int shown = Shown)
    {
        var sb = new StringBuilder().Append('L').Append(layer).Append(':').Append(index);
        if (promotes is { Count: > 0 })
        {
            sb.Append(" ↑");
            Tokens(sb, promotes, shown);
        }
        if (suppresses is { Count: > 0 })
        {
            sb.Append(" ↓");
            Tokens(sb, suppresses, shown);
        }
        return sb.ToString();
    }

    public static string Neuron(Api.V1.NeuronContribution c) =>
        Neuron(c.Neuron?.Layer ?? 0, c.Neuron?.Index ?? 0, c.Explanation?.Promotes, c.Explanation?.Suppresses);

    private static void Tokens(StringBuilder sb, IReadOnlyList<string> tokens, int shown)
    {
        for (int i = 0; i < Math.Min(shown, tokens.Count); i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            Quote(sb, tokens[i]);
        }
    }

    public static void Quote(StringBuilder sb, string token)
    {
        sb.Append('"');
        foreach (char c in token)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4"));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
