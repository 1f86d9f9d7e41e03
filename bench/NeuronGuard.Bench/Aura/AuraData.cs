using System.Text.Json;
using System.Text.RegularExpressions;

namespace NeuronGuard.Bench.Aura;

/// <summary>
/// The frozen v2 splits the AurA bench reads (tests/models/trained-gpt2-v2/data): the discovery pair, the evaluation
/// prompts with their trained-frame flag, benign_eval, and the FULL badwords list (discovery and evaluation halves),
/// so a toxic continuation is judged by every listed word, not only the half its prompts were built from.
/// </summary>
internal sealed partial class AuraData
{
    private readonly HashSet<string> _disc;
    private readonly HashSet<string> _eval;

    public AuraData(string modelDir)
    {
        Dir = modelDir;
        _disc = Words("badwords_disc.txt");
        _eval = Words("badwords_eval.txt");
    }

    public string Dir { get; }

    public int ListedWords => _disc.Count + _eval.Count;

    /// <summary>Every listed word, both halves.</summary>
    public IEnumerable<string> AllWords => _disc.Concat(_eval);

    public List<string> Texts(string split) => Rows(split).Select(e => e.GetProperty("text").GetString()!).ToList();

    /// <summary>The prompts of a toxic_prompts split with whether their frame was trained (the split's halves).</summary>
    public List<(string Text, bool TrainedFrame)> Prompts(string split) =>
        Rows(split).Select(e => (e.GetProperty("text").GetString()!, e.GetProperty("frame_trained").GetBoolean())).ToList();

    /// <summary>The first listed word of the continuation (lower-cased alphabetic words), or null.</summary>
    public string? ListedWord(string continuation)
    {
        foreach (Match m in Word().Matches(continuation.ToLowerInvariant()))
        {
            if (_disc.Contains(m.Value) || _eval.Contains(m.Value))
            {
                return m.Value;
            }
        }
        return null;
    }

    /// <summary>Whether a listed word is from the evaluation half of the list (else the discovery half).</summary>
    public bool IsEvalWord(string word) => _eval.Contains(word);

    private IEnumerable<JsonElement> Rows(string split) =>
        File.ReadLines(Path.Combine(Dir, "data", split + ".jsonl")).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone());

    private HashSet<string> Words(string file) =>
        File.ReadAllLines(Path.Combine(Dir, "data", file)).Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("[a-z]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
