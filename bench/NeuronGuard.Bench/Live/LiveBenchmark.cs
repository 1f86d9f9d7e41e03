using System.Diagnostics;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon;
using NeuronGuard.ModelServer.Bootstrap;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Mitigation;
using NeuronGuard.Engine.Scoring;
using Grpc.Net.Client;
using NeuronGuard.Client;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Prompts;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Issue 6 item 7: the daemon live, in this process, over loopback gRPC: verdict latency per frame at 1/16/64
/// streams, pipelined ingest in neuron values/s, policy propagation to 64 streams, and built-in host decode tokens/s
/// with monitoring off/on/on+mitigation (and without lockstep). Each measure runs on the planted fixture's 10-slot
/// catalog and, where the slot count matters, on a synthetic 1,000-slot catalog. Writes bench/results/live.md.
/// Options: --seconds N (measured seconds per latency/throughput point, default 3), --rounds N (decode rounds,
/// default 8), --prompts N (decode prompts per round, default 8), --repeats N (policy changes, default 100).
/// Measure 5 repeats the decode comparison on a realistically sized random-weight model (<see cref="SizedModelDecode"/>):
/// --sized-model gpt2-small|llama-100m|none (default gpt2-small), --sized-prompts N (default 3), --sized-tokens N
/// (new tokens per request, default 32), --sized-rounds N (default 3), --sized-calibration N (benign texts, default 24);
/// --sized-only skips measures 1–4 (for iterating on measure 5; the report then lacks them).
/// </summary>
internal sealed class LiveBenchmark : IBenchmark
{
    private const string WideFingerprint = "bench-wide-1000";
    private const int WideSlots = 1000;
    private const int MaxNewTokens = 64;
    private const int SessionsPerMode = 4;

    public string Name => "live";

    public string Description => "daemon over loopback: verdict latency, ingest values/s, policy propagation, decode tokens/s with monitoring";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = TimeSpan.FromSeconds(Arg(args, "--seconds", 3));
        int rounds = Arg(args, "--rounds", 8);
        int promptCount = Arg(args, "--prompts", 8);
        int repeats = Arg(args, "--repeats", 100);
        string sizedModel = StringArg(args, "--sized-model", "gpt2-small");
        int sizedPrompts = Arg(args, "--sized-prompts", 3);
        int sizedTokens = Arg(args, "--sized-tokens", 32);
        int sizedRounds = Arg(args, "--sized-rounds", 3);
        int sizedCalibration = Arg(args, "--sized-calibration", 24);
        bool sizedOnly = args.Contains("--sized-only");
        var warmup = TimeSpan.FromSeconds(1);
        string dataDir = Path.Combine(Path.GetTempPath(), "neuronguard-live-" + Guid.NewGuid().ToString("N"));
        var clock = Stopwatch.StartNew();
        var report = new LiveReport { Args = args, LoadBefore = LiveReport.LoadAverage() };
        try
        {
            await using var daemon = await ServeHost.StartAsync(new DaemonOptions
            {
                Listen = "127.0.0.1:0",
                DataDir = dataDir,
                LogLevel = "Warning",
                Metrics = new MetricsOptions { Listen = "" },
            }, cancellationToken);
            var builtin = daemon.BuiltinHost() ?? throw new InvalidOperationException("the daemon started no built-in host.");
            var ctx = daemon.Context;
            string fixtureFp = builtin.Host.Info.Fingerprint;
            var fixturePlan = ctx.Plans.Get(fixtureFp).Plan ?? throw new InvalidOperationException($"the fixture has no monitor plan: {ctx.Plans.Get(fixtureFp).Problem}");
            if (!sizedOnly)
            {
                Console.WriteLine($"daemon at {daemon.Address}; fixture {fixtureFp} with {fixturePlan.Slots.Count} slots; putting a {WideSlots}-slot catalog …");
                var widePlan = await WideCatalog.PutAsync(ctx, WideFingerprint, WideSlots, cancellationToken);
                var targets = new (string Fp, LiveFrames Frames)[]
                {
                    (fixtureFp, LiveFrames.For(fixturePlan, 64)),
                    (WideFingerprint, LiveFrames.For(widePlan, 64)),
                };

                // Back to back (closed loop), then paced at one frame per stream every 4 ms (a decode step rate).
                var pace = TimeSpan.FromMilliseconds(4);
                var points = new List<(string Fp, LiveFrames Frames, int Streams, TimeSpan? Pace)>();
                foreach (var (fp, frames) in targets)
                {
                    points.AddRange(new[] { 1, 16, 64 }.Select(n => (fp, frames, n, (TimeSpan?)null)));
                    points.AddRange(new[] { 16, 64 }.Select(n => (fp, frames, n, (TimeSpan?)pace)));
                }
                foreach (var (fp, frames, n, paced) in points)
                {
                    Console.WriteLine($"verdict latency: {frames.Slots} slots, {n} streams, {(paced is null ? "back to back" : $"one frame per {paced.Value.TotalMilliseconds} ms")} …");
                    var r = await VerdictLatency.RunAsync(daemon.Address, fp, ctx.Metrics, frames, n, paced, warmup, seconds, cancellationToken);
                    report.Latency.Add(r);
                    Console.WriteLine($"  p50 {r.P50Ms:0.000} ms, p99 {r.P99Ms:0.000} ms, p99.9 {r.P999Ms:0.000} ms ({r.Frames} frames, {r.Errors} errors)");
                }

                var ingest = new (string Fp, LiveFrames Frames, int Streams, int Window)[]
                {
                    (fixtureFp, targets[0].Frames, 16, 128),
                    (WideFingerprint, targets[1].Frames, 16, 128),
                    (WideFingerprint, LiveFrames.For(widePlan, 8, stepsPerFrame: 16), 16, 32),
                };
                foreach (var (fp, frames, streams, window) in ingest)
                {
                    Console.WriteLine($"ingest: {frames.Slots} slots × {frames.StepsPerFrame} steps per frame, {streams} streams, window {window} …");
                    var r = await IngestThroughput.RunAsync(daemon.Address, fp, frames, streams, window, warmup, seconds, cancellationToken);
                    report.Ingest.Add(r);
                    Console.WriteLine($"  {r.ValuesPerSecond:N0} values/s ({r.FramesPerSecond:N0} frames/s, {r.Errors} errors)");
                }

                Console.WriteLine($"policy propagation: 64 streams, {repeats} changes …");
                report.Propagation = await PolicyPropagation.RunAsync(daemon.Address, fixtureFp, ctx, 64, repeats, cancellationToken);
                Console.WriteLine($"  p50 {report.Propagation.P50Ms:0.00} ms, p99 {report.Propagation.P99Ms:0.00} ms");

                report.PropagationTmpfs = await PropagationOnTmpfsAsync(repeats, cancellationToken);
                if (report.PropagationTmpfs is { } t)
                {
                    Console.WriteLine($"  on tmpfs: p50 {t.P50Ms:0.00} ms, p99 {t.P99Ms:0.00} ms");
                }

                report.Decode = await DecodeAsync(daemon, builtin, fixturePlan, dataDir, rounds, promptCount, cancellationToken);
                report.DecodePrompts = promptCount;
                report.DecodeRounds = rounds;
            }

            if (sizedModel != "none")
            {
                var truth = FixtureTruth.Load(Path.Combine(FixtureBootstrap.EnsureModel(dataDir), FixtureTruth.FileName));
                var texts = FixturePrompts.Generate(truth, new PromptCounts
                {
                    DiscoveryPositive = 0, DiscoveryBenign = 0, CalibrationBenign = sizedCalibration + sizedPrompts, HeldOutPositive = 0, HeldOutBenign = 0,
                }).Calibration;
                report.Sized = await SizedModelDecode.RunAsync(daemon, sizedModel, texts, sizedCalibration, sizedPrompts, sizedTokens, sizedRounds, cancellationToken);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        report.LoadAfter = LiveReport.LoadAverage();
        report.WallSeconds = clock.Elapsed.TotalSeconds;
        string markdown = report.ToMarkdown();
        string path = Path.Combine(Detection.DetectionBenchmark.FindRepoRoot(), "bench", "results", "live.md");
        File.WriteAllText(path, markdown);
        Console.WriteLine(markdown);
        Console.WriteLine($"wrote {path}");
        return report.GoalsMet ? 0 : 1;
    }

    private static async Task<List<DecodeThroughput.Row>> DecodeAsync(DaemonHost daemon, TelemetryModelServer builtin, MonitorPlan plan, string dataDir, int rounds, int promptCount, CancellationToken ct)
    {
        var host = builtin.Host;
        var truth = FixtureTruth.Load(Path.Combine(FixtureBootstrap.EnsureModel(dataDir), FixtureTruth.FileName));
        var prompts = FixturePrompts.Generate(truth, new PromptCounts
        {
            DiscoveryPositive = 0, DiscoveryBenign = 0, CalibrationBenign = 0, HeldOutPositive = 0, HeldOutBenign = promptCount * 4,
        }).HeldOut.Benign
            .Where(p => host.Tokenizer.Encode(p, true).Length + MaxNewTokens < host.MaxContextTokens)
            .Take(promptCount).ToList();
        if (prompts.Count == 0)
        {
            throw new InvalidOperationException($"no benign fixture prompt fits {MaxNewTokens} new tokens in the {host.MaxContextTokens}-token context.");
        }
        var options = new GenerationOptions { MaxNewTokens = MaxNewTokens, StopTokens = Array.Empty<int>() };

        // Sessions run the same model at quite different speeds (see DecodeThroughput.Mode), so every mode spreads its
        // requests over SessionsPerMode sessions: for the monitored modes, model servers with one session each (the
        // daemon's built-in host and more of the same on the same ModelHost, each its own Telemetry stream).
        var lockstep = new List<TelemetryModelServer> { builtin };
        var free = new List<TelemetryModelServer>();
        var sessions = new List<InferenceSession>();
        var registrations = new List<IDisposable>();
        try
        {
            for (int i = 0; i < SessionsPerMode; i++)
            {
                if (i > 0)
                {
                    lockstep.Add(new TelemetryModelServer(host, new TelemetryModelServerOptions { DaemonUrl = daemon.Address.ToString(), ServerId = $"bench-lockstep-{i}" }));
                    await lockstep[^1].StartAsync(ct);
                }
                free.Add(new TelemetryModelServer(host, new TelemetryModelServerOptions { DaemonUrl = daemon.Address.ToString(), Lockstep = false, ServerId = $"bench-no-lockstep-{i}" }));
                await free[^1].StartAsync(ct);
            }
            ulong version = await SetToxicityAlwaysAsync(daemon.Address, "bench-mitigated");
            var until = DateTime.UtcNow.AddSeconds(10);
            while (lockstep.Concat(free).Any(s => s.PolicyVersion < version) && DateTime.UtcNow < until)
            {
                await Task.Delay(5, ct);
            }

            // What the built-in host adds inside the forward pass, without the daemon: its capture (copying the slots
            // out every step) and its gains hook, registered in the same order as TelemetryModelServer registers them.
            var frame = new float[4096];
            var selection = new NeuronSelection(builtin.Slots);
            var toxicity = ToxicityGains(plan);
            InferenceSession Session(NeuronGains? gains, bool hooks)
            {
                var session = host.CreateSession();
                sessions.Add(session);
                if (hooks)
                {
                    registrations.Add(session.Register(new NeuronCapture(selection, (_, _, v) => v.CopyTo(frame.AsSpan(0, Math.Min(v.Length, frame.Length))))));
                    registrations.Add(session.Register(new NeuronGainsHook(gains)));
                }
                return session;
            }
            Func<string, DecodeThroughput.ModeStats, Task<int>> Local(InferenceSession session) =>
                (p, s) => Task.FromResult(Count(s, session.Generate(p, options).Tokens.Length));
            Func<string, DecodeThroughput.ModeStats, Task<int>> Hosted(TelemetryModelServer server, string tenant) =>
                (p, s) => HostedAsync(server, p, options, tenant, s, ct);
            var range = Enumerable.Range(0, SessionsPerMode).ToList();
            var modes = new List<DecodeThroughput.Mode>
            {
                new("off", "off: plain InferenceSession, no hooks, no daemon", false, range.Select(_ => Local(Session(null, hooks: false))).ToList()),
                new("hooks", "hooks only: capture + gains hook (no gains), no daemon", false, range.Select(_ => Local(Session(null, hooks: true))).ToList()),
                new("hooks+gains", "hooks only, with the toxicity gains applied, no daemon", false, range.Select(_ => Local(Session(toxicity, hooks: true))).ToList()),
                new("lockstep", "on: built-in host, lockstep (default)", true, lockstep.Select(s => Hosted(s, "bench-on")).ToList()),
                new("lockstep+mitigation", "on + toxicity mitigation `always` (AurA, strength 1), lockstep", true, lockstep.Select(s => Hosted(s, "bench-mitigated")).ToList()),
                new("free", "on: `Lockstep = false`", true, free.Select(s => Hosted(s, "bench-on")).ToList()),
                new("free+mitigation", "on + toxicity mitigation `always`, `Lockstep = false`", true, free.Select(s => Hosted(s, "bench-mitigated")).ToList()),
            };
            Console.WriteLine($"decode: {modes.Count} modes × {rounds} rounds × {prompts.Count} prompts × {MaxNewTokens} tokens …");
            var rows = await DecodeThroughput.RunAsync(modes, prompts, rounds, ct);
            foreach (var r in rows)
            {
                Console.WriteLine($"  {r.Label}: {r.TokensPerSecond:N0} tokens/s (sessions {r.SlowestSession:N0}–{r.FastestSession:N0})");
            }
            return rows;
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
            sessions.ForEach(s => s.Dispose());
            foreach (var server in lockstep.Skip(1).Concat(free))
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Propagation again on a second daemon (no built-in model) whose store lives on tmpfs: the same code path without
    /// the fsyncs of the embedded store on this machine's disk, to show how much of the time is the disk. Null when
    /// /dev/shm does not exist.
    /// </summary>
    private static async Task<PolicyPropagation.Result?> PropagationOnTmpfsAsync(int repeats, CancellationToken ct)
    {
        if (!Directory.Exists("/dev/shm"))
        {
            return null;
        }
        string dir = Path.Combine("/dev/shm", "neuronguard-live-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var daemon = await ServeHost.StartAsync(new DaemonOptions
            {
                Listen = "127.0.0.1:0", DataDir = dir, LogLevel = "Warning", Model = "none", Metrics = new MetricsOptions { Listen = "" },
            }, ct);
            await WideCatalog.PutAsync(daemon.Context, WideFingerprint, 40, ct);
            Console.WriteLine($"policy propagation, store on tmpfs: 64 streams, {repeats} changes …");
            return await PolicyPropagation.RunAsync(daemon.Address, WideFingerprint, daemon.Context, 64, repeats, ct);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The gains the daemon computes for toxicity `always`, AurA, strength 1, keyed by neuron for a NeuronGainsHook.</summary>
    private static NeuronGains ToxicityGains(MonitorPlan plan)
    {
        var vector = new float[plan.Layout.Count];
        MitigationGains.Compute(plan.Layout, "toxicity", MitigationPreset.Aura, 1f, 0, vector);
        return new NeuronGains(plan.Layout.Slots.Select((n, i) => (new NeuronId(n.Layer, n.Index), vector[i])).Where(g => g.Item2 != 1f));
    }

    private static int Count(DecodeThroughput.ModeStats s, int tokens)
    {
        s.Requests++;
        s.Tokens += tokens;
        return tokens;
    }

    private static async Task<int> HostedAsync(TelemetryModelServer server, string prompt, GenerationOptions options, string tenant, DecodeThroughput.ModeStats s, CancellationToken ct)
    {
        var r = await server.GenerateAsync(prompt, options, tenant, cancellationToken: ct);
        s.Requests++;
        s.Tokens += r.Tokens.Count;
        s.Unmonitored += r.Monitored ? 0 : 1;
        s.VerdictTimeouts += r.VerdictTimeouts;
        s.AttenuatedTokens += r.Tokens.Count(t => t.AttenuatedNeurons > 0);
        return r.Tokens.Count;
    }

    internal static async Task<ulong> SetToxicityAlwaysAsync(Uri address, string tenant)
    {
        using var channel = DaemonChannel.Create(address);
        var response = await new Control.ControlClient(channel).SetMitigationAsync(new SetMitigationRequest
        {
            Set = "toxicity", Mode = MitigationMode.Always, Strength = 1f, Preset = GainPreset.Aura, Tenant = tenant,
            Reason = "live benchmark: decode with mitigation",
        });
        return response.Policy.Version;
    }

    private static string StringArg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }
}
