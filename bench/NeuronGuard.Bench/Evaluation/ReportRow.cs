namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// One line of the results table: a detector column ("catalog/detector") on one held-out positive/negative pair, the
/// kind whose lexical baseline, random sets and linear probes sit beside it, and the random columns' name pattern.
/// </summary>
internal sealed record ReportRow(string Title, string Kind, string Column, string Positive, string Negative, string? RandomPattern, bool Lexical, bool Probes)
{
    public static readonly ReportRow[] All =
    [
        new("toxicity", "toxicity", "benign/toxicity:toxicity", "toxic_eval", "toxic_neg_eval", "benign/toxicity:toxicity-random-{0}", true, true),
        new("toxicity (vs prose)", "toxicity", "benign/toxicity:toxicity", "toxic_eval", "benign_eval", "benign/toxicity:toxicity-random-{0}", true, true),
        new("safety", "safety", "requests/safety:safety", "harmful_eval", "harmless_eval", "requests/safety:safety-random-{0}", true, true),
        new("backdoor (unseen triggers)", "backdoor", "benign/backdoor:backdoor", "trigger_eval", "clean_eval", "benign/backdoor:backdoor-random-{0}", true, true),
        new("backdoor (decoys as positives)", "backdoor", "benign/backdoor:backdoor", "decoy_eval", "clean_eval", "benign/backdoor:backdoor-random-{0}", true, true),
        new("sparse probe `probe:toxicity`", "toxicity", "benign/probe:toxicity", "toxic_eval", "toxic_neg_eval", "lr-random-{0}:toxicity", true, true),
        new("sparse probe `probe:safety`", "safety", "requests/probe:safety", "harmful_eval", "harmless_eval", "lr-random-{0}:safety", true, true),
        new("coverage (secondary)", "coverage", "coverage/coverage", "ood_licenses", "benign_eval", null, false, false),
    ];
}
