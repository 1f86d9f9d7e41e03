using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Trained;

/// <summary>
/// Generation and perplexity on the trained model with a set's gains applied by a <see cref="NeuronGainsHook"/>:
/// the gains are the ones the daemon would push (<see cref="MitigationGains.Compute"/>), applied at every position
/// as the built-in host applies an <c>always</c> policy (or an <c>on_flag</c> policy flagged at prefill, which it re-prefills).
/// </summary>
internal static class TrainedGeneration
{
    public const int MaxNewTokens = 12;

    /// <summary>Set <paramref name="set"/>'s gains under a preset, keyed by neuron; null for "off".</summary>
    public static NeuronGains Gains(SlotLayout layout, string set, MitigationPreset preset, float strength, int topK = 0)
    {
        var gains = new float[layout.Count];
        MitigationGains.Compute(layout, set, preset, strength, topK, gains);
        return new NeuronGains(layout.Slots.Select((s, i) => (new NeuronId(s.Layer, s.Index), gains[i])).Where(g => g.Item2 != 1f));
    }

    /// <summary>Every neuron of <paramref name="set"/> at gain 0: the pruned model of NeuroStrike's attack.</summary>
    public static NeuronGains Pruned(NeuronSet set) => new(set.Neurons.Select(n => (new NeuronId(n.Layer, n.Index), 0f)));

    /// <summary>Sampled continuations (temperature 1, seeds 0 … seeds−1) of every prompt.</summary>
    public static List<string> Sample(ModelHost host, IEnumerable<string> prompts, int seeds, NeuronGains? gains)
    {
        using var session = host.CreateSession();
        using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        var texts = new List<string>();
        foreach (var p in prompts)
        {
            for (int s = 0; s < seeds; s++)
            {
                texts.Add(session.Generate(p, new GenerationOptions { MaxNewTokens = MaxNewTokens, Temperature = 1f, Seed = s }).Text);
            }
        }
        return texts;
    }

    /// <summary>Greedy continuations; <paramref name="gainsFor"/> picks each prompt's gains (null: none).</summary>
    public static List<int[]> Greedy(ModelHost host, IReadOnlyList<string> prompts, Func<int, NeuronGains?> gainsFor, out List<string> texts)
    {
        using var session = host.CreateSession();
        var tokens = new List<int[]>();
        texts = new List<string>();
        for (int i = 0; i < prompts.Count; i++)
        {
            var gains = gainsFor(i);
            using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
            var r = session.Generate(prompts[i], new GenerationOptions { MaxNewTokens = MaxNewTokens });
            tokens.Add(r.Tokens);
            texts.Add(r.Text);
        }
        return tokens;
    }

    /// <summary>Tokens per text the model was trained on (train.py MAX_DOC); perplexity texts are cut to it.</summary>
    public const int TrainedLength = 48;

    /// <summary>Mean perplexity over the texts, each cut to its first <see cref="TrainedLength"/> tokens.</summary>
    public static double MeanPerplexity(ModelHost host, IEnumerable<string> texts, NeuronGains? gains)
    {
        using var session = host.CreateSession();
        using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        return texts.Select(t => host.Tokenizer.Decode(host.Tokenizer.Encode(t).Take(TrainedLength).ToArray())).Average(session.Perplexity);
    }
}
