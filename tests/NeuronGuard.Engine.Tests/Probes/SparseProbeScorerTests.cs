using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Engine.Tests.Probes;

public sealed class SparseProbeScorerTests
{
    private static SparseProbe Probe() => new()
    {
        Set = "tox", Fingerprint = "fp", CatalogVersion = "v1", Bias = -1f, Lambda = 0.1, Threshold = 0.5f, TargetFpr = 0.01f,
        Neurons = [new(new NeuronRef(1, 10), 2f, 1f, 2f), new(new NeuronRef(2, 20), -1f, 0f, 1f)],
    };

    [Fact]
    public void Observe_RunningMaxPerNeuron_ScoreIsMaxOverSteps()
    {
        // Row layout: slot 0 unused, neuron (1,10) at slot 2, neuron (2,20) at slot 1.
        var scorer = new SparseProbeScorer(Probe(), [2, 1]);
        scorer.Observe(0, [9f, 0f, 1f]);   // s0 = −1 + 2·(1 − 1)/2 − 1·0 = −1
        Assert.Equal(-1f, scorer.Score);
        scorer.Observe(1, [9f, 0.5f, 3f]); // m = (3, 0.5): s1 = −1 + 2·1 − 0.5 = 0.5
        Assert.Equal(0.5f, scorer.Score, 6);
        Assert.Equal(1, scorer.ScoreStep);
        Assert.False(scorer.Flag);
        scorer.Observe(2, [9f, 0f, 4f]);   // m = (4, 0.5): s2 = −1 + 3 − 0.5 = 1.5
        Assert.Equal(1.5f, scorer.Score, 6);
        Assert.True(scorer.Flag);
        scorer.Observe(3, [9f, 2f, 0f]);   // m = (4, 2): s3 = 0 < 1.5, score stays
        Assert.Equal(1.5f, scorer.Score, 6);
        Assert.Equal(2, scorer.ScoreStep);

        scorer.Reset();
        scorer.Observe(0, [0f, 0f, 1f]);
        Assert.Equal(-1f, scorer.Score);
    }

    [Fact]
    public void Observe_AllocatesNothing()
    {
        var scorer = new SparseProbeScorer(Probe(), [2, 1]);
        var row = new float[] { 0f, 0.3f, 2f };
        scorer.Observe(0, row);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 1; t < 1000; t++)
        {
            scorer.Observe(t, row);
        }
        scorer.Reset();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Create_SlotCountMismatch_SaysHowMany()
    {
        var e = Assert.Throws<ArgumentException>(() => new SparseProbeScorer(Probe(), [0]));
        Assert.Contains("2 neurons but 1 slots", e.Message);
    }
}
