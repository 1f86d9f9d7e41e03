using System.Diagnostics;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Measure 4: built-in host decode tokens/s, one request at a time, for several modes (plain session, monitored in
/// lockstep, monitored with a mitigation, monitored without lockstep). Modes are interleaved round by round so a
/// burst of load from other processes on the shared machine hits them all alike; each round generates the same
/// prompts (the mode order rotated each round) with every stop token disabled, so every request decodes exactly MaxNewTokens tokens.
/// </summary>
internal static class DecodeThroughput
{
    /// <summary>One way to generate: returns the tokens produced and adds what it saw to <see cref="Stats"/>.</summary>
    /// <summary>
    /// One way to generate, over several sessions (or model servers, each with its own session): the same model runs
    /// up to ~1.8x faster or slower depending on which InferenceSession instance it runs in (buffer placement, seen on
    /// this machine), so every mode spreads its requests round-robin over <c>generate.Count</c> of them.
    /// </summary>
    public sealed class Mode(string key, string label, bool monitored, IReadOnlyList<Func<string, ModeStats, Task<int>>> generate)
    {
        /// <summary>Short name the report looks rows up by.</summary>
        public string Key { get; } = key;

        public string Label { get; } = label;

        /// <summary>False for the modes without a daemon (their stats columns are empty).</summary>
        public bool Monitored { get; } = monitored;

        public IReadOnlyList<Func<string, ModeStats, Task<int>>> Generate { get; } = generate;

        public ModeStats Stats { get; } = new();
    }

    /// <summary>What the monitored modes report about their requests (all zero for the plain session).</summary>
    public sealed class ModeStats
    {
        public long Requests;
        public long Unmonitored;
        public long VerdictTimeouts;
        public long AttenuatedTokens;
        public long Tokens;
    }

    public sealed record Row(string Key, string Label, bool Monitored, int Sessions, long Tokens, double Seconds, double TokensPerSecond,
        double SlowestRound, double FastestRound, double SlowestSession, double FastestSession, ModeStats Stats);

    public static async Task<List<Row>> RunAsync(IReadOnlyList<Mode> modes, IReadOnlyList<string> prompts, int rounds, CancellationToken ct)
    {
        foreach (var m in modes)
        {
            // Warm-up: JIT, session pools, the stream's first frames.
            foreach (var g in m.Generate)
            {
                await g(prompts[0], new ModeStats());
            }
        }
        var tokens = new long[modes.Count];
        var seconds = new double[modes.Count];
        var perRound = modes.Select(_ => new List<double>()).ToArray();
        var sessionTokens = modes.Select(m => new long[m.Generate.Count]).ToArray();
        var sessionSeconds = modes.Select(m => new double[m.Generate.Count]).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            // Each round starts at the next mode, so no mode always comes first after the setup.
            for (int k = 0; k < modes.Count; k++)
            {
                int i = (k + r) % modes.Count;
                ct.ThrowIfCancellationRequested();
                var m = modes[i];
                long n = 0;
                double s = 0;
                for (int j = 0; j < prompts.Count; j++)
                {
                    int v = (j + r) % m.Generate.Count;
                    long start = Stopwatch.GetTimestamp();
                    int produced = await m.Generate[v](prompts[j], m.Stats);
                    double took = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    n += produced;
                    s += took;
                    sessionTokens[i][v] += produced;
                    sessionSeconds[i][v] += took;
                }
                tokens[i] += n;
                seconds[i] += s;
                perRound[i].Add(n / s);
            }
        }
        return modes.Select((m, i) =>
        {
            var rates = sessionTokens[i].Select((t, v) => t / sessionSeconds[i][v]).ToArray();
            return new Row(m.Key, m.Label, m.Monitored, m.Generate.Count, tokens[i], seconds[i], tokens[i] / seconds[i],
                perRound[i].Min(), perRound[i].Max(), rates.Min(), rates.Max(), m.Stats);
        }).ToList();
    }
}
