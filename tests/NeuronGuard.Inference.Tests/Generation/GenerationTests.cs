using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Generation;

public sealed class GenerationTests
{
    private static readonly int[] Prompt = [10, 20, 30, 40];

    [Fact]
    public void Generate_SameSeed_SameTokensAndOtherSeedDiffers()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        var o = new GenerationOptions { MaxNewTokens = 24, Temperature = 1.5f, TopK = 200, TopP = 0.95f, Seed = 5, StopTokens = [] };
        var a = s.Generate(Prompt, o);
        var b = s.Generate(Prompt, o);
        var c = s.Generate(Prompt, o with { Seed = 6 });
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.NotEqual(a.Tokens, c.Tokens);
    }

    [Fact]
    public void Generate_TopKOne_EqualsGreedy()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        var greedy = s.Generate(Prompt, new GenerationOptions { MaxNewTokens = 10, StopTokens = [] });
        var topOne = s.Generate(Prompt, new GenerationOptions { MaxNewTokens = 10, Temperature = 1f, TopK = 1, Seed = 9, StopTokens = [] });
        Assert.Equal(greedy.Tokens, topOne.Tokens);
        Assert.Equal(StopReason.MaxNewTokens, greedy.StopReason);
        Assert.Equal(10, greedy.Tokens.Length);
    }

    [Fact]
    public void Generate_StopToken_EndsBeforeIt()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        var free = s.Generate(Prompt, new GenerationOptions { MaxNewTokens = 6, StopTokens = [] });
        var stopped = s.Generate(Prompt, new GenerationOptions { MaxNewTokens = 6, StopTokens = [free.Tokens[2]] });
        Assert.Equal(StopReason.StopToken, stopped.StopReason);
        Assert.Equal(free.Tokens[..free.Tokens.AsSpan().IndexOf(free.Tokens[2])], stopped.Tokens);
    }

    [Fact]
    public void Generate_CancelledInCallback_StopsBetweenSteps()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        using var cts = new CancellationTokenSource();
        int steps = 0;
        Assert.Throws<OperationCanceledException>(() => s.Generate(Prompt, new GenerationOptions { MaxNewTokens = 50, StopTokens = [] }, step =>
        {
            steps++;
            if (step.Index == 2)
            {
                cts.Cancel();
            }
        }, cts.Token));
        Assert.Equal(3, steps);
        Assert.Equal(Prompt.Length + 2, s.Position); // tokens 0 and 1 were fed back; token 2 never was
    }

    [Fact]
    public void Perplexity_Text_EqualsExpOfMeanNll()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        string text = "a small text to score";
        double ppl = s.Perplexity(text);
        var ids = host.Tokenizer.Encode(text, addBos: true);
        s.Reset();
        var logits = s.PrefillAllLogits(ids).ToArray();
        int v = host.Info.VocabSize;
        double nll = 0;
        for (int t = 0; t + 1 < ids.Length; t++)
        {
            var row = logits.AsSpan(t * v, v);
            double z = 0;
            foreach (var x in row)
            {
                z += Math.Exp(x);
            }
            nll += Math.Log(z) - row[ids[t + 1]];
        }
        Assert.Equal(Math.Exp(nll / (ids.Length - 1)), ppl, 1e-4);
        Assert.InRange(ppl, 1.0, v * 10.0);
    }

    [Fact]
    public void Perplexity_Continuation_ScoresOnlyTheContinuationTokens()
    {
        using var host = ModelHost.Load(TestModels.Gpt2);
        using var s = host.CreateSession();
        const string context = "a small text", continuation = " to score";
        double ppl = s.Perplexity(context, continuation);
        var ids = host.Tokenizer.Encode(context + continuation, addBos: true);
        int first = host.Tokenizer.Encode(context, addBos: true).Length;
        s.Reset();
        var logits = s.PrefillAllLogits(ids).ToArray();
        int v = host.Info.VocabSize;
        double nll = 0;
        for (int t = first - 1; t + 1 < ids.Length; t++)
        {
            var row = logits.AsSpan(t * v, v);
            double z = 0;
            foreach (var x in row)
            {
                z += Math.Exp(x);
            }
            nll += Math.Log(z) - row[ids[t + 1]];
        }
        Assert.Equal(Math.Exp(nll / (ids.Length - first)), ppl, 1e-4);
        Assert.NotEqual(s.Perplexity(context + continuation), ppl, 1e-3);
        Assert.Throws<ArgumentException>(() => s.Perplexity(context, ""));
    }
}
