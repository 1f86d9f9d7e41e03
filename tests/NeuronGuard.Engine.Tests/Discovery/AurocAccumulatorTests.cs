using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Discovery;

namespace NeuronGuard.Engine.Tests.Discovery;

public sealed class AurocAccumulatorTests
{
    [Fact]
    public void Compute_RandomData_ExactAurocWithinReportedBound()
    {
        var rng = new Random(7);
        var acc = new AurocAccumulator(1, 3);
        var pos = new List<float[]>();
        var neg = new List<float[]>();
        for (int i = 0; i < 300; i++)
        {
            bool positive = i % 3 == 0;
            // neuron 0 separates a little, neuron 1 not at all, neuron 2 takes few distinct values (ties).
            var x = new[] { (float)(rng.NextDouble() + (positive ? 0.3 : 0)), (float)rng.NextDouble() * 5, MathF.Round((float)rng.NextDouble() * 3) };
            acc.Add(positive, x);
            (positive ? pos : neg).Add(x);
        }
        var stats = acc.Compute();
        for (int n = 0; n < 3; n++)
        {
            double exact = ExactAuroc(pos.Select(x => x[n]), neg.Select(x => x[n]));
            Assert.InRange(Math.Abs(stats[n].Auroc - exact), 0, stats[n].ErrorBound + 1e-12);
        }
        Assert.True(stats[0].Auroc > 0.6);
        Assert.InRange(stats[1].Auroc, 0.4, 0.6);
    }

    [Fact]
    public void Compute_PerfectSeparation_IsOneWithNoError()
    {
        var acc = new AurocAccumulator(2, 1);
        acc.Add(true, [5f, -0.1f]);
        acc.Add(true, [6f, -0.1f]);
        acc.Add(false, [0f, -0.1f]);
        var stats = acc.Compute();
        Assert.Equal(1.0, stats[0].Auroc);
        Assert.Equal(0.0, stats[0].ErrorBound);
        Assert.Equal(0.5, stats[1].Auroc); // all tied
        Assert.Equal(new NeuronRef(1, 0), stats[1].Neuron);
    }

    [Fact]
    public void Add_ManyTexts_KeepsMemoryFixed()
    {
        var acc = new AurocAccumulator(2, 8, new AsinhBins(64));
        var x = new float[16];
        acc.Add(true, x);
        acc.Add(false, x);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            x[i % 16] = i;
            acc.Add(i % 2 == 0, x);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Rank_TiedAuroc_PrefersLargerEffect()
    {
        var ranked = NeuronRanking.Rank([new(new(0, 1), 1.0, 0, 2.0), new(new(0, 2), 1.0, 0, 9.0), new(new(0, 3), 0.9, 0, 50)]);
        Assert.Equal([new(0, 2), new(0, 1), new(0, 3)], ranked.Select(r => r.Neuron));
        var kept = NeuronRanking.Select(ranked, topK: 5, minAuroc: 0.95);
        var set = NeuronRanking.ToSet("t", NeuronSetKind.Toxicity, kept, TestCatalogs.Provenance);
        Assert.Equal(2, set.Neurons.Count);
        Assert.Equal(0.0, set.Neurons[0].Gain);
    }

    [Fact]
    public void Bin_AsinhScale_IsMonotoneAndClamped()
    {
        var bins = new AsinhBins();
        int previous = -1;
        foreach (float x in new[] { -1e6f, -5f, -0.1f, -0.001f, 0f, 0.001f, 0.1f, 5f, 500f, 1e6f })
        {
            int b = bins.Bin(x);
            Assert.True(b >= previous, $"bin of {x} went down");
            previous = b;
        }
        Assert.Equal(0, bins.Bin(-1e9f));
        Assert.Equal(255, bins.Bin(1e9f));
    }

    private static double ExactAuroc(IEnumerable<float> pos, IEnumerable<float> neg)
    {
        var n = neg.ToArray();
        double wins = 0;
        int count = 0;
        foreach (var p in pos)
        {
            foreach (var q in n)
            {
                wins += p > q ? 1 : p == q ? 0.5 : 0;
                count++;
            }
        }
        return wins / count;
    }
}
