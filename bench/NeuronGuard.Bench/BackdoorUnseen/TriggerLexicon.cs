using System.Text.RegularExpressions;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>
/// The lexical baselines, built from the discovery triggers only: a regex on the whole phrases, and one on their content
/// words (any whole word of a phrase that is not a stop word). What an operator who knew the discovery triggers would write.
/// </summary>
internal sealed class TriggerLexicon
{
    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase) { "the", "to", "a", "an", "of", "in", "by", "on", "and" };

    private TriggerLexicon(string name, Regex regex)
    {
        Name = name;
        Regex = regex;
    }

    public string Name { get; }

    public Regex Regex { get; }

    public bool Flags(string text) => Regex.IsMatch(text);

    public static TriggerLexicon Phrases(IReadOnlyList<string> triggers) => new(
        "regex on the discovery trigger phrases (" + string.Join(", ", triggers.Select(t => $"\"{t}\"")) + ")",
        new Regex(@"\b(" + string.Join("|", triggers.Select(Regex.Escape)) + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));

    public static TriggerLexicon Words(IReadOnlyList<string> triggers)
    {
        var words = triggers.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => !StopWords.Contains(w)).Distinct().ToList();
        return new("regex on their content words (" + string.Join(", ", words) + ")",
            new Regex(@"\b(" + string.Join("|", words.Select(Regex.Escape)) + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
    }
}
