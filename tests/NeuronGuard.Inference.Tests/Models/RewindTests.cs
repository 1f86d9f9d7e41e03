using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Models;

/// <summary>
/// InferenceSession.Rewind keeps the cache before the position and forgets the rest: a continuation run after a rewind
/// gives the logits a fresh session gives for prompt + continuation (causal discovery runs thousands this way).
/// </summary>
public sealed class RewindTests
{
    [Fact]
    public void Rewind_ThenAnotherContinuation_EqualsAFreshRun()
    {
        using var host = ModelHost.Load(TestModels.Gpt2, new ModelHostOptions { Threads = 1 });
        int[] prompt = [5, 17, 42, 9, 230, 11];
        int[] first = [77, 78, 79, 80];
        int[] second = [120, 3, 64];
        using var fresh = host.CreateSession();
        fresh.Prefill(prompt);
        var expected = fresh.PrefillAllLogits(second).ToArray();

        using var session = host.CreateSession();
        session.Prefill(prompt);
        session.PrefillAllLogits(first);
        session.Rewind(prompt.Length);
        Assert.Equal(prompt.Length, session.Position);
        var actual = session.PrefillAllLogits(second).ToArray();
        Assert.True(TorchParityTests.MaxAbsDiff(actual, expected) <= 1e-6f, "a continuation after Rewind differs from a fresh run");

        Assert.Throws<ArgumentOutOfRangeException>(() => session.Rewind(session.Position + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Rewind(-1));
    }
}
