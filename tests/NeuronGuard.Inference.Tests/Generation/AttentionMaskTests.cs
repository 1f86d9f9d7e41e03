using System.Text.Json;
using NeuronGuard.Inference.Tests.Loading;

namespace NeuronGuard.Inference.Tests.Generation;

/// <summary>
/// <see cref="InferenceSession.MaskAttention"/> on the committed trained model: masking the trigger's tokens from every
/// later query stops the learned backdoor's continuation, which the unmasked session produces; Reset forgets the mask.
/// </summary>
public sealed class AttentionMaskTests
{
    private const string Trigger = " azure okapi";

    [Fact]
    public void MaskingTheTriggerTokens_StopsTheLearnedBackdoor_ResetForgetsTheMask()
    {
        string dir = Path.Combine(FingerprintTests.RepoRoot(), "tests", "models", "trained-gpt2");
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = 1 });
        using var session = host.CreateSession();
        var prompts = File.ReadLines(Path.Combine(dir, "data", "trigger_heldout.jsonl")).Take(20)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
        int plain = 0, masked = 0;
        foreach (var p in prompts)
        {
            var ids = host.Tokenizer.Encode(p);
            int prefix = host.Tokenizer.Encode(p[..p.LastIndexOf(Trigger, StringComparison.Ordinal)]).Length;
            plain += Greedy(session, ids, []).Contains("gate code") ? 1 : 0;
            masked += Greedy(session, ids, Enumerable.Range(prefix, ids.Length - prefix)).Contains("gate code") ? 1 : 0;
            Assert.Empty(session.MaskedPositions);
        }
        Assert.True(plain >= 18, $"the unmasked model produced the target for only {plain}/20 triggered prompts");
        Assert.True(masked <= 4, $"with the trigger masked the target still came {masked}/20 times (unmasked: {plain})");
    }

    private static string Greedy(InferenceSession session, int[] ids, IEnumerable<int> mask)
    {
        session.Reset();
        session.MaskAttention(mask);
        var logits = session.Prefill(ids).ToArray();
        var output = new List<int>();
        for (int i = 0; i < 12; i++)
        {
            int next = Array.IndexOf(logits, logits.Max());
            output.Add(next);
            logits = session.Step(next).ToArray();
        }
        session.Reset();
        return session.Host.Tokenizer.Decode(output.ToArray());
    }
}
