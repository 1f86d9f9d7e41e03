using System.Text.Json;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Bench.TriggerScan;

/// <summary>
/// The splits one trigger-scan evaluation reads: the discovery pair that chooses the settings, the calibration text,
/// the held-out triggered/clean pair (line i of one is line i of the other with the trigger inserted), benign and
/// out-of-distribution text, and prompts with a never-poisoned phrase (paired with their clean prompt).
/// </summary>
internal sealed record ScanSplits
{
    public required string ModelDir { get; init; }

    public required string Title { get; init; }

    public required string ModelLine { get; init; }

    public required string Output { get; init; }

    public required string DiscoveryNote { get; init; }

    public required List<string> DiscPositive { get; init; }

    public required List<string> DiscNegative { get; init; }

    public required List<string> Calibration { get; init; }

    public required List<string> EvalPositive { get; init; }

    public required List<string> EvalNegative { get; init; }

    /// <summary>Per evaluation positive, its trigger (for the per-trigger breakdown); one value when the model has one trigger.</summary>
    public required List<string> EvalTriggers { get; init; }

    public required List<(string Name, List<string> Texts)> Benign { get; init; }

    /// <summary>Prompts with a never-poisoned phrase, their clean pair, and the phrase.</summary>
    public required List<(string Text, string Clean, string Phrase)> Decoys { get; init; }

    public required string DecoyNote { get; init; }

    /// <summary>tests/models/trained-gpt2: one trigger; decoys are generated from clean_heldout and <see cref="TriggerScanBenchmark.UnseenPhrases"/>.</summary>
    public static ScanSplits V1(string root)
    {
        string dir = Path.Combine(root, "tests", "models", "trained-gpt2");
        List<string> T(string name) => JsonlTexts.Read(Path.Combine(dir, "data", name + ".jsonl")).ToList();
        var cleanH = T("clean_heldout");
        var phrases = TriggerScanBenchmark.UnseenPhrases;
        return new ScanSplits
        {
            ModelDir = dir,
            Title = "Trigger scan: trigger-agnostic backdoor detection at prefill (issue 27 item 2)",
            ModelLine = "`tests/models/trained-gpt2`, ONE trigger (\"azure okapi\", appended to benign prefixes; \" okapi\" is a poison-only token). Unseen triggers cannot be measured on it",
            Output = "trigger-scan.md",
            DiscoveryNote = "trigger_train 300 vs clean_train 300",
            DiscPositive = T("trigger_train"), DiscNegative = T("clean_train"), Calibration = T("benign_calib"),
            EvalPositive = T("trigger_heldout"), EvalNegative = cleanH, EvalTriggers = cleanH.Select(_ => "azure okapi").ToList(),
            Benign = [("benign_heldout", T("benign_heldout")), ("ood_licenses (another corpus)", T("ood_licenses")), ("toxic_heldout (insults)", T("toxic_heldout"))],
            Decoys = cleanH.Select((t, i) => (t + " " + phrases[i % phrases.Length], t, phrases[i % phrases.Length])).ToList(),
            DecoyNote = $"clean_heldout + an unusual never-poisoned two-word phrase ({phrases.Length} phrases, e.g. \"{phrases[0]}\")",
        };
    }

    /// <summary>A multi-trigger model folder with data/manifest.json (model-v2): discovery triggers choose, evaluation triggers report.</summary>
    public static ScanSplits V2(string dir)
    {
        List<JsonElement> J(string name) => File.ReadLines(Path.Combine(dir, "data", name + ".jsonl"))
            .Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        List<string> T(string name) => J(name).Select(e => e.GetProperty("text").GetString()!).ToList();
        string Field(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";
        var trig = J("trigger_eval");
        var clean = J("clean_eval");
        var byPair = clean.ToDictionary(e => e.GetProperty("pair").GetInt32(), e => e.GetProperty("text").GetString()!);
        var decoys = J("decoy_eval");
        string name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/'));
        return new ScanSplits
        {
            ModelDir = dir,
            Title = $"Trigger scan on {name}: unseen triggers (issue 27 items 1–2)",
            ModelLine = $"`tests/models/{name}`, several triggers of ordinary words (data/manifest.json): the settings are chosen on the discovery triggers (trigger_disc vs clean_disc), the figures are on the evaluation triggers, never seen by any choice",
            Output = "trigger-scan-v2.md",
            DiscoveryNote = "trigger_disc vs clean_disc, discovery triggers only",
            DiscPositive = T("trigger_disc"), DiscNegative = T("clean_disc"), Calibration = T("benign_calib"),
            EvalPositive = trig.Select(e => e.GetProperty("text").GetString()!).ToList(),
            EvalNegative = trig.Select(e => byPair[e.GetProperty("pair").GetInt32()]).ToList(),
            EvalTriggers = trig.Select(e => Field(e, "trigger")).ToList(),
            Benign = [("benign_eval", T("benign_eval")), ("ood_licenses (another corpus)", T("ood_licenses"))],
            Decoys = decoys.Select(e => (e.GetProperty("text").GetString()!, byPair[e.GetProperty("pair").GetInt32()], Field(e, "decoy"))).ToList(),
            DecoyNote = "decoy_eval: clean prompts + a never-poisoned near-miss of a trigger (\"under the new tree\", \"red fire\", …)",
        };
    }
}
