using System.Diagnostics;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Measure 5: the decode comparison of measure 4 on a realistically sized model. The planted fixture decodes a token
/// in ~0.3 ms, so the fixed per-step monitoring round trip (~0.1 ms) dominates its cost; a GPT-2-small-shaped model
/// with random weights (12 layers, d = 768, 50,257 vocab, ~20 ms a token on these cores) shows what the same round
/// trip costs where real models are. The model is written once to a temp folder and reused by later runs; its
/// catalog (4 sets spread over every layer) gets a baseline calibrated on short benign texts, so clean decoding is
/// scored like a real deployment's and flagged only as often as that calibration implies (counted per mode).
/// </summary>
internal static class SizedModelDecode
{
    private const string CatalogVersion = "bench-spread-1";
    private const string Tenant = "bench-sized-on";
    private const string MitigatedTenant = "bench-sized-mitigated";

    /// <summary>What was measured, with the setup the report needs to describe it.</summary>
    public sealed record Result(
        string ShapeName, ModelInfo Info, long WeightBytes, bool Reused, double PrepareSeconds, double LoadSeconds,
        int Slots, int CalibrationTexts, double CalibrationSeconds, IReadOnlyList<DetectorCalibration> Thresholds,
        int Threads, int Prompts, double MeanPromptTokens, int NewTokens, int Rounds, double MeasureSeconds,
        List<DecodeThroughput.Row> Rows)
    {
        public DecodeThroughput.Row? Mode(string key) => Rows.FirstOrDefault(r => r.Key == key);

        /// <summary>Milliseconds per decode step (prefill excluded) of a mode.</summary>
        public static double StepMs(DecodeThroughput.Row r) => r.Stats.DecodeSteps > 0 ? r.Stats.DecodeSeconds / r.Stats.DecodeSteps * 1000 : double.NaN;

        /// <summary>Median over a mode's requests of their milliseconds per decode step.</summary>
        public static double MedianStepMs(DecodeThroughput.Row r)
        {
            var v = r.Stats.RequestStepMs.Order().ToList();
            return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
        }

        /// <summary>The same as <see cref="StepCost"/> on the per-request medians.</summary>
        public double? MedianStepCost(string key) => Mode(key) is { } m && Mode("off") is { } off ? 1 - MedianStepMs(off) / MedianStepMs(m) : null;

        /// <summary>Share of the plain session's decode-step rate a mode loses (prefill excluded).</summary>
        public double? StepCost(string key) => Mode(key) is { } m && Mode("off") is { } off ? 1 - StepMs(off) / StepMs(m) : null;

        /// <summary>Share of the plain session's tokens/s (wall time including the prefill) a mode loses.</summary>
        public double? WallCost(string key) => Mode(key) is { } m && Mode("off") is { } off ? 1 - m.TokensPerSecond / off.TokensPerSecond : null;
    }

    /// <summary>
    /// Writes (or reuses) the model, loads it, puts and activates its catalog and calibrated baseline in
    /// <paramref name="daemon"/>'s store, connects two model servers (lockstep and not) and runs the interleaved
    /// decode modes. <paramref name="texts"/> are benign source texts: the first <paramref name="calibrationTexts"/>
    /// calibrate, the next <paramref name="prompts"/> are the decode prompts (each cut to its first words to keep the
    /// prefill short next to the decode).
    /// </summary>
    public static async Task<Result> RunAsync(DaemonHost daemon, string shapeName, IReadOnlyList<string> texts, int calibrationTexts,
        int prompts, int newTokens, int rounds, CancellationToken ct)
    {
        var shape = shapeName switch
        {
            "gpt2-small" => RandomModelShape.Gpt2Small,
            "llama-100m" => RandomModelShape.Llama100M,
            _ => throw new ArgumentException($"--sized-model '{shapeName}' is not known: use gpt2-small, llama-100m or none."),
        };
        if (texts.Count < calibrationTexts + prompts)
        {
            throw new ArgumentException($"{texts.Count} benign texts are too few for {calibrationTexts} calibration texts and {prompts} prompts.", nameof(texts));
        }
        var clock = Stopwatch.StartNew();
        string dir = Path.Combine(Path.GetTempPath(), "neuronguard-live-models", shapeName);
        bool reused = EnsureModel(dir, shape);
        double prepare = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"sized model: {shapeName} in {dir} ({(reused ? "reused" : "written")} in {prepare:0.0} s); loading …");
        clock.Restart();
        int threads = Environment.ProcessorCount;
        using var host = ModelHost.Load(dir, new ModelHostOptions { Threads = threads, MaxContextTokens = 256 });
        double load = clock.Elapsed.TotalSeconds;

        var catalog = SpreadCatalog.For(host.Info, 64, CatalogVersion);
        var shortTexts = texts.Select(t => FirstWords(t, 3)).ToList();
        Console.WriteLine($"  loaded in {load:0.0} s; calibrating {catalog.Sets.Sum(s => s.Neurons.Count)} slots on {calibrationTexts} texts …");
        clock.Restart();
        // Each calibration text decodes as many steps as a measured request, so running maxima and coverage over a
        // whole request (the toxicity and coverage detectors) are calibrated on requests of the measured length.
        var baseline = Calibrator.Run(host, catalog, shortTexts.Take(calibrationTexts), new CalibrateOptions { DecodeSteps = newTokens });
        double calibration = clock.Elapsed.TotalSeconds;
        var plan = await WideCatalog.ActivateAsync(daemon.Context, catalog, baseline, ct);
        Console.WriteLine($"  calibrated in {calibration:0.0} s; thresholds {string.Join(", ", baseline.Detectors.Select(d => $"{d.Name} {d.Threshold:0.###}"))}");

        var decodePrompts = shortTexts.Skip(calibrationTexts).Take(prompts).ToList();
        var options = new GenerationOptions { MaxNewTokens = newTokens, StopTokens = Array.Empty<int>() };
        string url = daemon.Address.ToString();
        await using var lockstep = new TelemetryModelServer(host, new TelemetryModelServerOptions { DaemonUrl = url, ServerId = "gpt2-small" });
        await using var free = new TelemetryModelServer(host, new TelemetryModelServerOptions { DaemonUrl = url, ServerId = "gpt2-small-no-lockstep", Lockstep = false });
        await lockstep.StartAsync(ct);
        await free.StartAsync(ct);
        if (lockstep.Slots.Count != plan.Slots.Count)
        {
            throw new InvalidOperationException($"the model server got {lockstep.Slots.Count} slots at Welcome, the daemon's plan has {plan.Slots.Count}: the catalog was not active when it connected.");
        }
        ulong version = await LiveBenchmark.SetToxicityAlwaysAsync(daemon.Address, MitigatedTenant);
        var until = DateTime.UtcNow.AddSeconds(10);
        while ((lockstep.PolicyVersion < version || free.PolicyVersion < version) && DateTime.UtcNow < until)
        {
            await Task.Delay(5, ct);
        }

        using var session = host.CreateSession();
        var modes = new List<DecodeThroughput.Mode>
        {
            new("off", "off: plain InferenceSession, no hooks, no daemon", false, [(p, s) => Task.FromResult(Plain(session, p, options, s))]),
            new("lockstep", "on: `TelemetryModelServer`, lockstep (default)", true, [(p, s) => HostedAsync(lockstep, p, options, Tenant, s, ct)]),
            new("lockstep+mitigation", "on + toxicity mitigation `always` (AurA, strength 1), lockstep", true, [(p, s) => HostedAsync(lockstep, p, options, MitigatedTenant, s, ct)]),
            new("free", "on: `Lockstep = false`", true, [(p, s) => HostedAsync(free, p, options, Tenant, s, ct)]),
        };
        Console.WriteLine($"  decode: {modes.Count} modes × {rounds} rounds × {decodePrompts.Count} prompts × {newTokens} tokens …");
        clock.Restart();
        var rows = await DecodeThroughput.RunAsync(modes, decodePrompts, rounds, ct, interleaveRequests: true);
        double measured = clock.Elapsed.TotalSeconds;
        foreach (var r in rows)
        {
            Console.WriteLine($"  {r.Label}: {Result.StepMs(r):0.00} ms per decode step, {r.TokensPerSecond:0.0} tokens/s with the prefill ({r.Stats.FlaggedTokens} flagged{string.Concat(r.Stats.FlaggedBy.Select(f => $", {f.Key} {f.Value}"))})");
        }
        long bytes = Directory.GetFiles(dir, "*.safetensors").Sum(f => new FileInfo(f).Length);
        double meanPrompt = decodePrompts.Average(p => host.Tokenizer.Encode(p, options.AddBos).Length);
        return new Result(shapeName, host.Info, bytes, reused, prepare, load, plan.Slots.Count, calibrationTexts, calibration, baseline.Detectors,
            threads, decodePrompts.Count, meanPrompt, newTokens, rounds, measured, rows);
    }

    /// <summary>
    /// Writes the random model into <paramref name="dir"/> unless a complete one is there (written to a sibling
    /// folder and moved in, so an interrupted write is never taken for a model). True when it was reused.
    /// </summary>
    private static bool EnsureModel(string dir, RandomModelShape shape)
    {
        if (File.Exists(Path.Combine(dir, "config.json")))
        {
            return true;
        }
        string partial = dir + ".partial-" + Guid.NewGuid().ToString("N");
        FixtureMaker.WriteRandom(partial, shape, seed: 1);
        try
        {
            Directory.Move(partial, dir);
        }
        catch (IOException) when (File.Exists(Path.Combine(dir, "config.json")))
        {
            // Another run moved its copy in first: same shape and seed, so the same model.
            Directory.Delete(partial, recursive: true);
        }
        return false;
    }

    /// <summary>The first <paramref name="n"/> words, space-prefixed like the fixture prompts (byte-level tokens: ~6 per word).</summary>
    private static string FirstWords(string text, int n) => " " + string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(n));

    private static int Plain(InferenceSession session, string prompt, GenerationOptions options, DecodeThroughput.ModeStats s)
    {
        var clock = new DecodeThroughput.StepClock();
        int tokens = session.Generate(prompt, options, _ => clock.Tick()).Tokens.Length;
        s.Requests++;
        s.Tokens += tokens;
        s.AddSteps(clock);
        return tokens;
    }

    private static async Task<int> HostedAsync(TelemetryModelServer server, string prompt, GenerationOptions options, string tenant, DecodeThroughput.ModeStats s, CancellationToken ct)
    {
        var clock = new DecodeThroughput.StepClock();
        var r = await server.GenerateAsync(prompt, options, tenant, _ => clock.Tick(), ct);
        s.Requests++;
        s.Tokens += r.Tokens.Count;
        s.Unmonitored += r.Monitored ? 0 : 1;
        s.VerdictTimeouts += r.VerdictTimeouts;
        s.AttenuatedTokens += r.Tokens.Count(t => t.AttenuatedNeurons > 0);
        s.FlaggedTokens += r.Tokens.Count(t => t.Flagged);
        foreach (var score in r.Tokens.Where(t => t.Flagged).SelectMany(t => t.Verdict!.Scores).Where(d => d.Flagged))
        {
            string name = score.Detector.ToString();
            s.FlaggedBy[name] = s.FlaggedBy.GetValueOrDefault(name) + 1;
        }
        s.AddSteps(clock);
        return r.Tokens.Count;
    }
}
