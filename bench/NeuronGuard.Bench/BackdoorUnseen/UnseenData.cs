using System.Text.Json;

namespace NeuronGuard.Bench.BackdoorUnseen;

/// <summary>One prompt of a v2 split with the phrase it carries (a trigger or a decoy; "" for a clean prompt) and its clean pair (-1 when none).</summary>
internal sealed record UnseenPrompt(string Text, string Phrase, int Pair);

/// <summary>
/// The splits of tests/models/trained-gpt2-v2 this bench reads (data/manifest.json): trigger_disc/clean_disc choose
/// (line i of one is line i of the other), benign_calib sets thresholds, the _eval splits and trigger_disc_heldout only report.
/// </summary>
internal sealed class UnseenData
{
    /// <summary>What v1's bench (backdoor-response) counted as attack success: the greedy continuation contains this.</summary>
    public const string Target = "gate code";

    private UnseenData(string dir) => ModelDir = dir;

    public string ModelDir { get; }

    public static UnseenData Load(string repoRoot) => new(Path.Combine(repoRoot, "tests", "models", "trained-gpt2-v2"));

    public List<UnseenPrompt> Read(string split) => File.ReadLines(Path.Combine(ModelDir, "data", split + ".jsonl"))
        .Where(l => l.Length > 0)
        .Select(l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            string phrase = e.TryGetProperty("trigger", out var t) ? t.GetString() ?? "" : e.TryGetProperty("decoy", out var d) ? d.GetString() ?? "" : "";
            return new UnseenPrompt(e.GetProperty("text").GetString()!, phrase, e.TryGetProperty("pair", out var p) ? p.GetInt32() : -1);
        }).ToList();

    public List<string> Texts(string split) => Read(split).Select(p => p.Text).ToList();

    /// <summary>The discovery triggers, in manifest order.</summary>
    public List<string> DiscoveryTriggers()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelDir, "data", "manifest.json")));
        return doc.RootElement.GetProperty("backdoor").GetProperty("triggers_discovery").EnumerateArray().Select(e => e.GetString()!).ToList();
    }
}
