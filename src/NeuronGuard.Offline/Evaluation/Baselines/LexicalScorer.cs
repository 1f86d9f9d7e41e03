using System.Text.RegularExpressions;

namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>
/// The lexical baseline every detector must beat (issue 26 item 3a): a case-insensitive whole-word regex over the
/// discovery vocabulary. A text's score is its number of matches, so AUROC ranks texts by how many listed words they
/// hold; the baseline "fires" at one match or more. If a detector cannot beat this, it only detects the words it was
/// discovered on, which a regex does for free.
/// </summary>
public sealed class LexicalScorer
{
    private readonly Regex _regex;

    /// <param name="terms">Words or phrases; longer ones are tried first, so a phrase wins over a word inside it.</param>
    public LexicalScorer(IEnumerable<string> terms)
    {
        var list = terms.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("the lexical baseline needs at least one word or phrase.", nameof(terms));
        }
        Terms = list;
        _regex = new Regex(@"\b(?:" + string.Join("|", list.Select(Regex.Escape)) + @")\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    public IReadOnlyList<string> Terms { get; }

    /// <summary>The number of non-overlapping matches in <paramref name="text"/>.</summary>
    public int Score(string text) => _regex.Count(text);

    /// <summary>Whether the regex matches at all (the baseline's alarm).</summary>
    public bool Fires(string text) => _regex.IsMatch(text);

    /// <summary>One word per line (blank lines skipped), as data/badwords_disc.txt holds them.</summary>
    public static LexicalScorer FromWordFile(string path) => new(File.ReadLines(path));
}
