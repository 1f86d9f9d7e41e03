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

        /// <summary>Tokens whose forward pass the daemon's verdict flagged (only counted where a mode reports it).</summary>
        public long FlaggedTokens;

        /// <summary>Per detector (its proto enum name), tokens whose verdict it flagged.</summary>
        public SortedDictionary<string, long> FlaggedBy { get; } = new(StringComparer.Ordinal);

        /// <summary>
        /// Decode steps timed on their own, without the prefill: from each request's first token to its last
        /// (tokens − 1 steps), summed; zero where a mode does not time them.
        /// </summary>
        public long DecodeSteps;

        public double DecodeSeconds;

        /// <summary>Each timed request's milliseconds per decode step, for a median that a burst of load on one request does not move.</summary>
        public List<double> RequestStepMs { get; } = [];

        /// <summary>Adds one request's decode steps, timed by <see cref="StepClock"/>.</summary>
        public void AddSteps(StepClock clock)
        {
            DecodeSteps += clock.Steps;
            DecodeSeconds += clock.Seconds;
            if (clock.Steps > 0)
            {
                RequestStepMs.Add(clock.Seconds / clock.Steps * 1000);
            }
        }
    }

    /// <summary>
    /// Timestamps the tokens of one request as the generator hands them out (the plain session's onStep, the model
    /// server's onToken, both on the generating thread): first to last is the decode steps without the prefill.
    /// </summary>
    public sealed class StepClock
    {
        private long _first;
        private long _last;
        private int _ticks;

        public void Tick()
        {
            _last = Stopwatch.GetTimestamp();
            if (_ticks++ == 0)
            {
                _first = _last;
            }
        }

        public int Steps => Math.Max(0, _ticks - 1);

        public double Seconds => _ticks > 1 ? Stopwatch.GetElapsedTime(_first, _last).TotalSeconds : 0;
    }

    public sealed record Row(string Key, string Label, bool Monitored, int Sessions, long Tokens, double Seconds, double TokensPerSecond,
        double SlowestRound, double FastestRound, double SlowestSession, double FastestSession, ModeStats Stats);

    /// <summary>
    /// Runs every mode on every prompt <paramref name="rounds"/> times. By default a round runs one mode's prompts
    /// back to back, then the next mode's; <paramref name="interleaveRequests"/> alternates the modes request by
    /// request instead (for slow models, where one mode's block of a round would last seconds).
    /// </summary>
    public static async Task<List<Row>> RunAsync(IReadOnlyList<Mode> modes, IReadOnlyList<string> prompts, int rounds, CancellationToken ct, bool interleaveRequests = false)
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
            var n = new long[modes.Count];
            var s = new double[modes.Count];
            // Each round starts at the next mode, so no mode always comes first after the setup. Per request, the
            // modes take turns on every prompt (order rotated per prompt), so load drift over a round hits them alike.
            foreach (var (i, j) in Order(modes.Count, prompts.Count, r, interleaveRequests))
            {
                ct.ThrowIfCancellationRequested();
                var m = modes[i];
                int v = (j + r) % m.Generate.Count;
                long start = Stopwatch.GetTimestamp();
                int produced = await m.Generate[v](prompts[j], m.Stats);
                double took = Stopwatch.GetElapsedTime(start).TotalSeconds;
                n[i] += produced;
                s[i] += took;
                sessionTokens[i][v] += produced;
                sessionSeconds[i][v] += took;
            }
            for (int i = 0; i < modes.Count; i++)
            {
                tokens[i] += n[i];
                seconds[i] += s[i];
                perRound[i].Add(n[i] / s[i]);
            }
        }
        return modes.Select((m, i) =>
        {
            var rates = sessionTokens[i].Select((t, v) => t / sessionSeconds[i][v]).ToArray();
            return new Row(m.Key, m.Label, m.Monitored, m.Generate.Count, tokens[i], seconds[i], tokens[i] / seconds[i],
                perRound[i].Min(), perRound[i].Max(), rates.Min(), rates.Max(), m.Stats);
        }).ToList();
    }

    /// <summary>The (mode, prompt) pairs of round <paramref name="r"/> in the order they run.</summary>
    private static IEnumerable<(int Mode, int Prompt)> Order(int modes, int prompts, int r, bool interleaveRequests)
    {
        if (interleaveRequests)
        {
            for (int j = 0; j < prompts; j++)
            {
                for (int k = 0; k < modes; k++)
                {
                    yield return ((k + r + j) % modes, j);
                }
            }
        }
        else
        {
            for (int k = 0; k < modes; k++)
            {
                for (int j = 0; j < prompts; j++)
                {
                    yield return ((k + r) % modes, j);
                }
            }
        }
    }
}
