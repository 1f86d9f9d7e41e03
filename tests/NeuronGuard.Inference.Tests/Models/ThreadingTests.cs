using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Models;

public sealed class ThreadingTests
{
    [Fact]
    public void Forward_OneVersusThreeThreads_SameLogits()
    {
        int[] tokens = [.. Enumerable.Range(0, 30).Select(i => (i * 7 + 3) % 300)];
        float[] Run(int threads)
        {
            using var host = ModelHost.Load(TestModels.Llama, new ModelHostOptions { Threads = threads });
            using var s = host.CreateSession();
            return s.PrefillAllLogits(tokens).ToArray();
        }
        var one = Run(1);
        var three = Run(3);
        Assert.True(TorchParityTests.MaxAbsDiff(one, three) <= 1e-6f);
    }
}
