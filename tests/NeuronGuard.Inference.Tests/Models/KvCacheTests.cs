using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Models;

public sealed class KvCacheTests
{
    public static TheoryData<string> Architectures => new() { "gpt2", "llama" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Step_AfterPrefill_EqualsFullForward(string arch)
    {
        using var host = ModelHost.Load(arch == "gpt2" ? TestModels.Gpt2 : TestModels.Llama, new ModelHostOptions { Threads = 2 });
        int[] tokens = [.. Enumerable.Range(0, 20).Select(i => (i * 53 + 1) % 300)];
        int v = host.Info.VocabSize;
        using var full = host.CreateSession();
        var all = full.PrefillAllLogits(tokens).ToArray();

        using var inc = host.CreateSession();
        var first = inc.Prefill(tokens.AsSpan(0, 7)).ToArray();
        Assert.True(TorchParityTests.MaxAbsDiff(first, all.AsSpan(6 * v, v)) <= 1e-5f);
        for (int t = 7; t < tokens.Length; t++)
        {
            var logits = inc.Step(tokens[t]);
            float diff = TorchParityTests.MaxAbsDiff(logits, all.AsSpan(t * v, v));
            Assert.True(diff <= 1e-5f, $"position {t}: cached decode differs from the full forward by {diff:E2}");
        }
        Assert.Equal(tokens.Length, inc.Position);
    }

    [Fact]
    public void Prefill_BeyondContext_ThrowsNamingTheLimit()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var session = host.CreateSession(maxContextTokens: 8);
        session.Prefill([1, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<InvalidOperationException>(() => session.Prefill([1, 2, 3]));
        Assert.Contains("context of 8", e.Message);
    }
}
