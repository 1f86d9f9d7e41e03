using NeuronGuard.Offline.IO;

namespace NeuronGuard.Bench.Integrity;

/// <summary>
/// The splits one integrity measurement reads: the safety set's discovery pair, the calibration texts of the baseline and
/// the traffic the alarm watches. V1 is the committed tests/models/trained-gpt2 (as bench/results/integrity.md was made);
/// V2 follows a split manifest (data/manifest.json): discovery on _disc, baseline on _calib, traffic from _eval only.
/// </summary>
internal sealed record IntegritySetup
{
    public required string ModelDir { get; init; }

    public required string Output { get; init; }

    public required string Description { get; init; }

    public required List<string> Harmful { get; init; }

    public required List<string> Harmless { get; init; }

    public required List<string> Calibration { get; init; }

    public required List<string> Traffic { get; init; }

    public static IntegritySetup V1(string root)
    {
        string dir = Path.Combine(root, "tests", "models", "trained-gpt2");
        List<string> T(string name, int take) => JsonlTexts.Read(Path.Combine(dir, "data", name + ".jsonl")).Take(take).ToList();
        var rng = new Random(7);
        return new IntegritySetup
        {
            ModelDir = dir, Output = "integrity.md",
            Description = "tests/models/trained-gpt2. Catalog: the 50 safety neurons discovered from 100 harmful_train vs 100 harmless_train requests (the attacker edits exactly these); baseline calibrated on 500 benign_calib texts. Traffic: 1000 held-out requests (500 benign_heldout, 250 harmful_heldout, 250 harmless_heldout, shuffled)",
            Harmful = T("harmful_train", 100), Harmless = T("harmless_train", 100), Calibration = T("benign_calib", 500),
            Traffic = T("benign_heldout", 500).Concat(T("harmful_heldout", 250)).Concat(T("harmless_heldout", 250)).OrderBy(_ => rng.Next()).ToList(),
        };
    }

    /// <summary>A model folder with data/manifest.json's splits (trained-gpt2-v2).</summary>
    public static IntegritySetup V2(string dir)
    {
        List<string> T(string name, int take = int.MaxValue) => JsonlTexts.Read(Path.Combine(dir, "data", name + ".jsonl")).Take(take).ToList();
        string name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/'));
        var calibration = T("benign_calib").Concat(T("harmless_calib")).Concat(T("chat_calib")).OrderBy(_ => 0).ToList();
        var crng = new Random(11);
        calibration = calibration.OrderBy(_ => crng.Next()).ToList();
        var rng = new Random(7);
        return new IntegritySetup
        {
            ModelDir = dir, Output = "integrity-" + (name.EndsWith("-v2", StringComparison.Ordinal) ? "v2" : name) + ".md",
            Description = $"tests/models/{name}, splits from its data/manifest.json. Catalog: the 50 safety neurons discovered from harmful_disc (300) vs harmless_disc (300) (the attacker edits exactly these); baseline calibrated on the three calibration splits, shuffled (benign_calib 500 prose, harmless_calib 300 requests, chat_calib 300 questions: the kinds of text the traffic holds). Traffic: evaluation splits only, 1000 requests (500 benign_eval, 250 harmful_eval, 250 harmless_eval, shuffled)",
            Harmful = T("harmful_disc"), Harmless = T("harmless_disc"), Calibration = calibration,
            Traffic = T("benign_eval", 500).Concat(T("harmful_eval", 250)).Concat(T("harmless_eval", 250)).OrderBy(_ => rng.Next()).ToList(),
        };
    }
}
