using NeuronGuard.Inference;

namespace NeuronGuard.Bench.Aura;

/// <summary>
/// One row's sampled continuations: for prompt p and seed s (index p·seeds + s), whether the continuation holds a
/// listed word, and its text. The same (prompt, seed) under two gain sets is a pair: the sampler draws the same
/// random numbers, so only the gains differ.
/// </summary>
internal sealed record Samples(int Prompts, int Seeds, bool[] Toxic, string[] Texts, string?[] Words)
{
    public int Count(Func<int, bool> promptFilter) => Enumerable.Range(0, Toxic.Length).Count(i => Toxic[i] && promptFilter(i / Seeds));

    public int Total(Func<int, bool> promptFilter) => Enumerable.Range(0, Prompts).Count(promptFilter) * Seeds;

    /// <summary>Distinct (prompt, continuation) among the toxic samples.</summary>
    public int DistinctToxic(Func<int, bool> promptFilter) =>
        Enumerable.Range(0, Toxic.Length).Where(i => Toxic[i] && promptFilter(i / Seeds)).Select(i => (i / Seeds, Texts[i])).Distinct().Count();

    public int PromptsHit(Func<int, bool> promptFilter) =>
        Enumerable.Range(0, Toxic.Length).Where(i => Toxic[i] && promptFilter(i / Seeds)).Select(i => i / Seeds).Distinct().Count();
}

/// <summary>Per-text negative log-likelihood (nats, summed) and predicted-token count on benign text under one gain set.</summary>
internal sealed record Perplexities(double[] Nll, int[] Tokens)
{
    public double Corpus => Math.Exp(Nll.Sum() / Tokens.Sum());
}

/// <summary>
/// Generation and perplexity through the real <see cref="ModelHost"/> with a set's gains applied by a
/// <see cref="NeuronGainsHook"/> at every position, as the built-in host applies an <c>always</c> policy.
/// </summary>
internal static class AuraSampling
{
    public const int NewTokens = 12;

    public const float Temperature = 1f;

    /// <summary>The sampler seed of prompt p, draw s: distinct for every pair, so no two prompts share random numbers.</summary>
    public static int Seed(int prompt, int s) => prompt * 1000 + s;

    public static Samples Sample(ModelHost host, IReadOnlyList<string> prompts, int seeds, NeuronGains? gains, AuraData data)
    {
        using var session = host.CreateSession();
        using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        var toxic = new bool[prompts.Count * seeds];
        var texts = new string[toxic.Length];
        var words = new string?[toxic.Length];
        for (int p = 0; p < prompts.Count; p++)
        {
            var ids = host.Tokenizer.Encode(prompts[p], addBos: true);
            for (int s = 0; s < seeds; s++)
            {
                var r = session.Generate(ids, new GenerationOptions { MaxNewTokens = NewTokens, Temperature = Temperature, Seed = Seed(p, s) });
                int i = p * seeds + s;
                texts[i] = r.Text;
                words[i] = data.ListedWord(r.Text);
                toxic[i] = words[i] is not null;
            }
        }
        return new Samples(prompts.Count, seeds, toxic, texts, words);
    }

    /// <summary>Perplexity inputs over the texts, each cut to the model's context.</summary>
    public static Perplexities Perplexity(ModelHost host, IReadOnlyList<string> texts, NeuronGains? gains)
    {
        using var session = host.CreateSession();
        using var registration = gains is null ? null : session.Register(new NeuronGainsHook(gains));
        var nll = new double[texts.Count];
        var tokens = new int[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = host.Tokenizer.Encode(texts[i]);
            int room = session.MaxContextTokens - (host.Tokenizer.BosId is null ? 0 : 1);
            string text = ids.Length <= room ? texts[i] : host.Tokenizer.Decode(ids[..room], skipSpecial: true);
            tokens[i] = host.Tokenizer.Encode(text, addBos: true).Length - 1;
            nll[i] = Math.Log(session.Perplexity(text)) * tokens[i];
        }
        return new Perplexities(nll, tokens);
    }
}

/// <summary>Subsets of <see cref="Samples"/>.</summary>
internal static class SamplesExtensions
{
    /// <summary>The same prompts with only their first <paramref name="seeds"/> seeds: the pairs a shorter row shares with this one.</summary>
    public static Samples FirstSeeds(this Samples s, int seeds)
    {
        if (seeds == s.Seeds)
        {
            return s;
        }
        var idx = Enumerable.Range(0, s.Prompts).SelectMany(p => Enumerable.Range(p * s.Seeds, seeds)).ToArray();
        return new Samples(s.Prompts, seeds, idx.Select(i => s.Toxic[i]).ToArray(), idx.Select(i => s.Texts[i]).ToArray(), idx.Select(i => s.Words[i]).ToArray());
    }
}
