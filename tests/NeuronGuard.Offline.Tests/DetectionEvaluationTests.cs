using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Prompts;
using Xunit.Abstractions;

namespace NeuronGuard.Offline.Tests;

/// <summary>The headline numbers of issue 4 on the planted fixture, at reduced prompt counts so the suite stays fast.</summary>
[Collection(PlantedFixtureCollection.Name)]
public sealed class DetectionEvaluationTests(PlantedFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Run_PlantedFixture_MeetsHeadlineNumbers()
    {
        var counts = new PromptCounts { DiscoveryPositive = 80, DiscoveryBenign = 160, CalibrationBenign = 1000, HeldOutPositive = 100, HeldOutBenign = 400 };
        var report = DetectionEvaluation.Run(fixture.Dir, counts, log: new OutputWriter(output));
        foreach (var r in report.Ranks)
        {
            output.WriteLine($"{r.Kind} {r.Neuron} rank {r.Rank} auroc {r.Auroc:F4} ±{r.ErrorBound:F4}");
        }
        foreach (var r in report.Detectors)
        {
            output.WriteLine($"{r.Detector} vs {r.Positives}: auroc {r.Auroc:F4} tpr {r.Tpr:F3} fpr {r.Fpr:F4} thr {r.Threshold}");
        }
        foreach (var r in report.Integrity)
        {
            output.WriteLine($"integrity {r.Condition}: {r.AlarmRate:F3} of {r.Requests}");
        }
        Assert.All(report.Ranks, r => Assert.InRange(r.Rank, 1, 10));
        Assert.InRange(report.Row("toxicity:", "toxic").Auroc, 0.95, 1);
        Assert.InRange(report.Row("backdoor:", "triggered").Auroc, 0.95, 1);
        Assert.InRange(report.Row("safety:", "harmful").Auroc, 0.95, 1);
        Assert.All(report.Detectors, r => Assert.InRange(r.Fpr, 0, 0.02));
        // Per request the integrity detector trips at about its calibrated false-positive rate (1 %); the daemon's
        // alarm needs 10 of the last 50 requests (IntegrityWatch), which a rate this low does not reach.
        Assert.InRange(report.Integrity[0].AlarmRate, 0, 0.02);
        Assert.Equal(1, report.Integrity[1].AlarmRate);
    }
}
