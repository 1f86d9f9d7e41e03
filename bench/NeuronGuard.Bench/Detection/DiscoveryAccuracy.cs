using System.Diagnostics;
using NeuronGuard.Engine.Discovery;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Evaluation;
using NeuronGuard.Offline.Prompts;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Detection;

/// <summary>
/// Streaming histogram AUROC (what discovery uses) against the exact reference that stores every text's max
/// activation and ranks them (memory grows with texts), on the toxicity discovery split of the fixture.
/// </summary>
internal static class DiscoveryAccuracy
{
    public sealed record Result(int Neurons, int Texts, double MaxAbsError, double MaxBound, int OutsideBound, int Top10Overlap,
        long StreamingBytes, long ExactBytes, double StreamingSeconds, double ExactSeconds);

    public static Result Measure(string fixtureDir, FixtureTruth truth, PromptCounts counts, int seed)
    {
        var prompts = FixturePrompts.Generate(truth, counts, seed).Discovery;
        using var host = ModelHost.Load(fixtureDir, new ModelHostOptions { Threads = 1, MaxContextTokens = 64 });
        int layers = host.Info.Layers, width = host.Info.MlpNeurons, n = layers * width;
        var hook = new MaxActivationHook(layers, width);
        var maxima = new List<(bool Positive, float[] Max)>();
        using (var session = host.CreateSession())
        using (session.Register(hook))
        {
            foreach (var (texts, positive) in new[] { (prompts.Toxic, true), (prompts.Benign, false) })
            {
                foreach (var text in texts)
                {
                    hook.Clear();
                    session.Reset();
                    session.Prefill(PromptRunner.Tokens(host, text, 64));
                    maxima.Add((positive, hook.Max.ToArray()));
                }
            }
        }
        var sw = Stopwatch.StartNew();
        var acc = new AurocAccumulator(layers, width);
        foreach (var (positive, max) in maxima)
        {
            acc.Add(positive, max);
        }
        var streaming = acc.Compute();
        double streamingSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var exact = new double[n];
        for (int i = 0; i < n; i++)
        {
            var pos = maxima.Where(m => m.Positive).Select(m => m.Max[i]).ToList();
            var neg = maxima.Where(m => !m.Positive).Select(m => m.Max[i]).ToList();
            exact[i] = ScoreAuroc.Compute(pos, neg);
        }
        double exactSeconds = sw.Elapsed.TotalSeconds;
        double maxErr = 0, maxBound = 0;
        int outside = 0;
        for (int i = 0; i < n; i++)
        {
            double err = Math.Abs(streaming[i].Auroc - exact[i]);
            maxErr = Math.Max(maxErr, err);
            maxBound = Math.Max(maxBound, streaming[i].ErrorBound);
            outside += err > streaming[i].ErrorBound + 1e-12 ? 1 : 0;
        }
        var topStreaming = NeuronRanking.Rank(streaming).Take(10).Select(s => s.Neuron).ToHashSet();
        var topExact = Enumerable.Range(0, n).OrderByDescending(i => exact[i]).ThenByDescending(i => streaming[i].EffectSize).Take(10)
            .Select(i => streaming[i].Neuron);
        long streamingBytes = (long)n * (2L * acc.Bins.Count * sizeof(int) + 4 * sizeof(double));
        long exactBytes = (long)n * maxima.Count * sizeof(float);
        return new Result(n, maxima.Count, maxErr, maxBound, outside, topExact.Count(topStreaming.Contains), streamingBytes, exactBytes, streamingSeconds, exactSeconds);
    }
}
