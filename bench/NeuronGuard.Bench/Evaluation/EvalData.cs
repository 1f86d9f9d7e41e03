using System.Text.Json;
using NeuronGuard.Offline.Evaluation.Baselines;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// The frozen splits of tests/models/trained-gpt2-v2 (data/manifest.json) and the discovery vocabulary the lexical
/// baselines are built from: badwords_disc.txt (toxicity), the manifest's discovery harm verbs (safety) and the words
/// of its discovery triggers less "the" and "to" (backdoor; those two would match almost every text).
/// </summary>
internal sealed class EvalData
{
    private readonly Dictionary<string, List<string>> _cache = new();

    public EvalData(string modelDir)
    {
        ModelDir = modelDir;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(modelDir, "data", "manifest.json")));
        var m = doc.RootElement;
        Rule = m.GetProperty("rule").GetString()!;
        HarmVerbsDisc = Strings(m.GetProperty("requests").GetProperty("harm_verbs_discovery"));
        TriggersDisc = Strings(m.GetProperty("backdoor").GetProperty("triggers_discovery"));
        Files = m.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        SplitSizes = m.GetProperty("splits").EnumerateObject().ToDictionary(p => p.Name, p => (p.Value.GetProperty("role").GetString()!, p.Value.GetProperty("texts").GetInt32()));
        TriggerWordsDisc = TriggersDisc.SelectMany(t => t.Split(' ')).Where(w => w is not ("the" or "to")).Distinct().ToList();
        Lexical = new Dictionary<string, LexicalScorer>
        {
            ["toxicity"] = LexicalScorer.FromWordFile(Path.Combine(modelDir, "data", "badwords_disc.txt")),
            ["safety"] = new(HarmVerbsDisc),
            ["backdoor"] = new(TriggerWordsDisc),
        };
    }

    public string ModelDir { get; }

    public string Rule { get; }

    public List<string> HarmVerbsDisc { get; }

    public List<string> TriggersDisc { get; }

    public List<string> TriggerWordsDisc { get; }

    public Dictionary<string, string> Files { get; }

    public Dictionary<string, (string Role, int Texts)> SplitSizes { get; }

    /// <summary>The lexical baseline per detector kind.</summary>
    public Dictionary<string, LexicalScorer> Lexical { get; }

    public string Path_(string split) => Path.Combine(ModelDir, "data", split + ".jsonl");

    public List<string> Texts(string split)
    {
        if (!_cache.TryGetValue(split, out var texts))
        {
            _cache[split] = texts = JsonlTexts.Read(Path_(split)).ToList();
        }
        return texts;
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}
