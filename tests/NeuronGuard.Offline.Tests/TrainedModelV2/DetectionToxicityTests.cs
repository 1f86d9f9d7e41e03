using NeuronGuard.Engine.Catalogs;
using Xunit.Abstractions;
using static NeuronGuard.Offline.Tests.TrainedModelV2.DetectionHarness;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>
/// The toxicity detector of trained-gpt2-v2 on held-out vocabulary (issue 26 items 3 and 8), the pipeline of
/// <c>bench evaluate</c> on the full splits: discovery toxic_disc vs toxic_neg_disc (set size by SetSizeRule),
/// calibration on benign_calib at 1 % FPR, evaluation toxic_eval vs toxic_neg_eval (evaluation words, never-trained
/// frames, evaluation names). Measured 2026-12-07 (bench/results/trained-model.md): detector 0.728 [0.694, 0.762]
/// (top 10), random sets of 10 mean 0.548 [0.467, 0.669], lexical regex on badwords_disc.txt 0.500 (no discovery word
/// occurs in an evaluation text). The goal of item 7
/// (≥ 0.90) is missed; what holds, and is asserted, is the margin over the controls: ≥ 0.10 over lexical and over the
/// random mean (measured gaps 0.228 and 0.180), and a floor. Full splits (2,900 prompts, most of them short): 64 s with the
/// four Detection classes in parallel at load average ~15, 13 s at load ~6 (Release); the same figures as the bench.
/// </summary>
public sealed class DetectionToxicityTests(ITestOutputHelper output)
{
    private const double Margin = 0.10;

    /// <summary>Measured 0.728; its 95 % interval's lower end is 0.69.</summary>
    private const double Floor = 0.68;

    [Fact]
    public void Toxicity_OnHeldOutVocabulary_BeatsLexicalAndRandomSets()
    {
        var pos = Texts("toxic_eval");
        var neg = Texts("toxic_neg_eval");
        var outcome = Run(ModelDir, NeuronSetKind.Toxicity, Texts("toxic_disc"), Texts("toxic_neg_disc"), Texts("benign_calib"), 0.01f, pos, neg, randomDraws: 10);
        double lexical = LexicalAuroc(File.ReadLines(Path.Combine(ModelDir, "data", "badwords_disc.txt")), pos, neg);
        output.WriteLine($"{outcome}; lexical {lexical:F3}");

        Assert.True(outcome.Auroc.Auroc >= Floor, $"toxicity AUROC {outcome.Auroc} below {Floor}");
        Assert.True(outcome.Auroc.Auroc >= lexical + Margin, $"toxicity AUROC {outcome.Auroc} does not beat the lexical baseline ({lexical:F3}) by {Margin}");
        Assert.True(outcome.Auroc.Auroc >= outcome.Random!.Mean + Margin,
            $"toxicity AUROC {outcome.Auroc} does not beat random sets of {outcome.Size} (mean {outcome.Random.Mean:F3}) by {Margin}");
    }
}
