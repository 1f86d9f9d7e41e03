using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace NeuronGuard.Bench.Live;

/// <summary>The results of one live run and their markdown (bench/results/live.md), goals judged in one place.</summary>
internal sealed class LiveReport
{
    public const double LatencyGoalMs = 1;
    public const double PropagationGoalMs = 10;
    public const double MonitoringCostGoal = 0.05;

    public string[] Args { get; init; } = [];
    public string LoadBefore { get; init; } = "";
    public string LoadAfter { get; set; } = "";
    public double WallSeconds { get; set; }
    public List<VerdictLatency.Result> Latency { get; } = [];
    public List<IngestThroughput.Result> Ingest { get; } = [];
    public PolicyPropagation.Result? Propagation { get; set; }
    public PolicyPropagation.Result? PropagationTmpfs { get; set; }
    public List<DecodeThroughput.Row> Decode { get; set; } = [];
    public int DecodePrompts { get; set; }
    public int DecodeRounds { get; set; }

    /// <summary>Measure 5, the decode comparison on a realistically sized model; null when skipped (--sized-model none).</summary>
    public SizedModelDecode.Result? Sized { get; set; }

    private VerdictLatency.Result? At16(int slots, bool paced) => Latency.FirstOrDefault(r => r.Streams == 16 && r.Slots == slots && r.Pace.HasValue == paced);

    private DecodeThroughput.Row? Mode(string key) => Decode.FirstOrDefault(r => r.Key == key);

    /// <summary>Share of the plain session's tokens/s a mode loses.</summary>
    private double? Cost(string key) => Mode(key) is { } m && Mode("off") is { } off ? 1 - m.TokensPerSecond / off.TokensPerSecond : null;

    private bool LatencyMet(bool paced) => At16(10, paced) is { } r && r.P99Ms < LatencyGoalMs;

    private bool PropagationMet => Propagation is { Timeouts: 0 } p && p.P99Ms < PropagationGoalMs;

    private bool CostMet => Cost("lockstep") is { } c && c < MonitoringCostGoal;

    /// <summary>Judged on the sized model's decode steps alone (prefill excluded), lockstep: what the goal is about.</summary>
    private bool SizedCostMet => Sized?.StepCost("lockstep") is { } c && c < MonitoringCostGoal;

    /// <summary>Every goal row, the fixture's decode row included, and the sized model's when it ran.</summary>
    public bool GoalsMet => LatencyMet(paced: false) && PropagationMet && CostMet && (Sized is null || SizedCostMet);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Live daemon benchmark (issue 6, item 7)");
        md.AppendLine();
        md.AppendLine(Inv($"- Machine: {CpuModel()}, {Environment.ProcessorCount} cores (`lscpu`), {RuntimeInformation.OSDescription}; .NET {Environment.Version}."));
        md.AppendLine($"- Load average (1/5/15 min) before: {LoadBefore}; after: {LoadAfter}. The 2 cores are shared with other engineers' builds and tests, and the daemon, every model-server client and the model run in this one process on them: medians move by ±30 % from run to run and p99/p99.9 by several times (they track the load average), so a goal near its bound can flip between runs.");
        md.AppendLine($"- Command: `{$"dotnet run --project bench/NeuronGuard.Bench -c Release -- live {string.Join(' ', Args)}".TrimEnd()}`");
        md.AppendLine(Inv($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; wall time {WallSeconds:0} s."));
        md.AppendLine("- Setup: `DaemonHost.StartAsync` in this process (listener 127.0.0.1:0, cleartext HTTP/2, no tokens, embedded store in a temp folder, /metrics off, default Telemetry limits). Model-server streams are this repository's own gRPC client (`GrpcChannel`), one channel — one HTTP/2 connection — per stream, each with a reader task that timestamps daemon messages on arrival.");
        md.AppendLine("- Catalogs: the planted fixture's (10 slots: toxicity, backdoor, safety; its calibrated baseline) and a synthetic one of 1,000 slots (4 sets × 250, N(0,1) baseline, thresholds 3) put into the store under a made-up fingerprint, as a realistically wide model would have. Frames sit near the benign means with a small wobble, so nothing is flagged: the daemon does its clean-request work (feed, all detectors, top neurons, verdict)." + (Sized is { } sz ? Inv($" Measure 5 adds a {sz.Slots}-slot catalog with a calibrated baseline for a random-weight {SizedName(sz)} (section 5).") : ""));
        md.AppendLine();
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | measured | met |");
        md.AppendLine("| --- | --- | --- |");
        var back = At16(10, paced: false);
        var paced = At16(10, paced: true);
        md.AppendLine(Inv($"| verdict latency p99 < {LatencyGoalMs} ms at 16 streams (loopback), frames back to back | {Ms(back?.P99Ms)} ms at 10 slots; {Ms(At16(1000, false)?.P99Ms)} ms at 1,000 slots | {YesNo(LatencyMet(false))} |"));
        md.AppendLine(Inv($"| … the same at a decode pace (one frame per stream every {paced?.Pace?.TotalMilliseconds} ms) | {Ms(paced?.P99Ms)} ms at 10 slots; {Ms(At16(1000, true)?.P99Ms)} ms at 1,000 slots | {YesNo(LatencyMet(true))} |"));
        md.AppendLine(Inv($"| policy propagation p99 < {PropagationGoalMs} ms to 64 streams | {Ms(Propagation?.P99Ms)} ms ({Propagation?.Repeats} changes) | {YesNo(PropagationMet)} |"));
        md.AppendLine(Inv($"| monitoring costs < {MonitoringCostGoal * 100:0} % of decode throughput — planted fixture (4 layers, d = 128, {(Mode("off") is { } o ? 1e6 / o.TokensPerSecond : double.NaN):0} µs a token; measure 4) | lockstep: {Pct(Cost("lockstep"))}; with mitigation: {Pct(Cost("lockstep+mitigation"))}; `Lockstep = false`: {Pct(Cost("free"))}; hooks alone (no daemon): {Pct(Cost("hooks"))}; hooks with the gains: {Pct(Cost("hooks+gains"))} | {YesNo(CostMet)} (judged on the default, lockstep) |"));
        if (Sized is { } z)
        {
            md.AppendLine(Inv($"| … the same on a {SizedName(z)} ({z.Info.Layers} layers, d = {z.Info.HiddenSize}, {z.Info.VocabSize:N0} vocab, random weights, {z.Slots} slots; {StepMsOf(z, "off")} ms a token; measure 5), decode steps without the prefill | lockstep: {Pct(z.StepCost("lockstep"))} ({StepMsOf(z, "off")} → {StepMsOf(z, "lockstep")} ms a token); with mitigation: {Pct(z.StepCost("lockstep+mitigation"))}; `Lockstep = false`: {Pct(z.StepCost("free"))}; with the prefill in the wall time, lockstep: {Pct(z.WallCost("lockstep"))} | {YesNo(SizedCostMet)} (judged on lockstep) |"));
        }
        md.AppendLine();

        md.AppendLine("## 1. Verdict latency per frame");
        md.AppendLine();
        md.AppendLine("Each stream runs requests of 64 one-step frames, one frame at a time: write the frame, wait for that step's Verdict, write the next (RequestStart/RequestEnd around each request). *Back to back* sends the next frame as soon as the verdict is in: a closed loop whose offered load is whatever the 2 cores allow, so at 16 and 64 streams it measures queueing on saturated CPUs (client and daemon share them). *Paced* sends one frame per stream every 4 ms (250 decode steps/s per stream, staggered starts), which is what a model server's decode loop produces. Client: Stopwatch before the write → the Verdict's arrival on the stream's reader task. Daemon: its `neuronguard_verdict_latency_seconds` histogram (Activations received → Verdict written) over the same window, read as bucket upper bounds.");
        md.AppendLine();
        md.AppendLine("| slots | streams | pace | frames measured | frames/s | client p50 ms | client p99 ms | client p99.9 ms | client max ms | daemon p50 ms | daemon p99 ms | daemon p99.9 ms | errors |");
        md.AppendLine("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Latency)
        {
            md.AppendLine(Inv($"| {r.Slots:N0} | {r.Streams} | {(r.Pace is { } pace ? $"every {pace.TotalMilliseconds} ms" : "back to back")} | {r.Frames:N0} | {r.FramesPerSecond:N0} | {r.P50Ms:0.000} | {r.P99Ms:0.000} | {r.P999Ms:0.000} | {r.MaxMs:0.00} | {LatencyHistogram.Summary.Bound(r.Daemon.P50Ms)} | {LatencyHistogram.Summary.Bound(r.Daemon.P99Ms)} | {LatencyHistogram.Summary.Bound(r.Daemon.P999Ms)} | {r.Errors} |"));
        }
        md.AppendLine();

        md.AppendLine("## 2. End-to-end ingest");
        md.AppendLine();
        md.AppendLine("Streams push frames as fast as they can, pipelined: up to `window` frames per stream await their Verdict at once (below the daemon's VerdictQueueLimit of 1,024, so no verdict is dropped). Counted: verdicts received in the measured window × steps per frame × slots, i.e. values scored and answered, end to end.");
        md.AppendLine();
        md.AppendLine("| slots | steps per frame | streams | window | frames/s | neuron values/s | errors |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Ingest)
        {
            md.AppendLine(Inv($"| {r.Slots:N0} | {r.StepsPerFrame} | {r.Streams} | {r.Window} | {r.FramesPerSecond:N0} | {r.ValuesPerSecond:N0} | {r.Errors} |"));
        }
        md.AppendLine();

        md.AppendLine("## 3. Policy propagation");
        md.AppendLine();
        if (Propagation is { } p)
        {
            md.AppendLine(Inv($"{p.Streams} connected, idle streams (plus the built-in host's). Control.SetMitigation flips a tenant-scoped `safety` mitigation between shadow and off; measured from just before the call to the arrival of the PolicyUpdate carrying the new version on the last of the {p.Streams} streams. The SetMitigation round trip (validation, versioned write with its audit entry to the embedded store, push) is part of it and shown alone. Every stream acknowledges every version. Nearest-rank p99 of {p.Repeats} changes."));
            md.AppendLine();
            md.AppendLine("| store | streams | changes | propagation p50 ms | p99 ms | max ms | SetMitigation RPC p50 ms | RPC p99 ms | fan-out p50 ms | fan-out p99 ms | streams acked the last version | timeouts |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            md.AppendLine(Inv($"| store on this disk | {p.Streams} | {p.Repeats} | {p.P50Ms:0.00} | {p.P99Ms:0.00} | {p.MaxMs:0.00} | {p.RpcP50Ms:0.00} | {p.RpcP99Ms:0.00} | {p.FanOutP50Ms:0.00} | {p.FanOutP99Ms:0.00} | {p.Acked}/{p.Streams} | {p.Timeouts} |"));
            if (PropagationTmpfs is { } t)
            {
                md.AppendLine(Inv($"| store on tmpfs (second daemon, no built-in model) | {t.Streams} | {t.Repeats} | {t.P50Ms:0.00} | {t.P99Ms:0.00} | {t.MaxMs:0.00} | {t.RpcP50Ms:0.00} | {t.RpcP99Ms:0.00} | {t.FanOutP50Ms:0.00} | {t.FanOutP99Ms:0.00} | {t.Acked}/{t.Streams} | {t.Timeouts} |"));
            }
            md.AppendLine();
            md.AppendLine(Inv($"Store on disk: changes at or over {PropagationGoalMs} ms: {p.OverGoal} of {p.Repeats}; the slowest: {string.Join(", ", p.Slowest.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))} ms."));
            md.AppendLine();
            if (PropagationTmpfs is { } tf)
            {
                md.AppendLine(Inv($"Most of the propagation time is the SetMitigation commit itself: the embedded store writes the policy and its audit entry with fsync (file and directory), then the daemon waits until its cache shows the new version (re-polling every 10 ms if the first sync does not). On tmpfs the same path takes p50 {tf.P50Ms:0.00} / p99 {tf.P99Ms:0.00} ms, so the disk accounts for roughly {Propagation!.P50Ms - tf.P50Ms:0.0} ms of the median here; the push to 64 streams (fan-out) is p99 {Propagation.FanOutP99Ms:0.00} ms on its own."));
                md.AppendLine();
            }
            md.AppendLine("Fan-out: from `PolicyManager.Changed` (raised once the committed version is in the daemon's cache and every session has queued the update) to the arrival on the last stream; the rest of the propagation time is the store commit inside SetMitigation.");
        }
        md.AppendLine();

        md.AppendLine("## 4. Built-in host decode throughput");
        md.AppendLine();
        md.AppendLine(Inv($"The planted fixture (GPT-2 shape, 4 layers, d = 128) generating greedily, one request at a time, {DecodePrompts} held-out benign fixture prompts × 64 new tokens per round (stop tokens disabled, so every request decodes all 64), {DecodeRounds} rounds with the modes interleaved (the order rotated each round); tokens/s = generated tokens / wall time including the prefill. \"off\" is a plain `InferenceSession` on the same `ModelHost` with no hooks; \"hooks only\" registers the built-in host's capture hook (the 10 slots copied out every step) and its gains hook on a plain session with no daemon, which separates the in-model cost from the round trip. Each mode spreads its requests round-robin over {(Decode.Count > 0 ? Decode[0].Sessions : 0)} sessions (for the monitored modes: {(Decode.Count > 0 ? Decode[0].Sessions : 0)} `TelemetryModelServer`s on the same `ModelHost`, the daemon's built-in host among the lockstep ones, each with its own stream and session), because in a quick check on this machine the same prompts decoded 1.8x faster in one `InferenceSession` instance than in another (consistently over 10 shuffled rounds; probably where its buffers land in memory); the session columns show the spread in this run. The monitored modes go through `TelemetryModelServer.GenerateAsync`: capture hook, one Activations frame per step over loopback gRPC to the daemon, scoring, Verdict back; in lockstep each step waits for its verdict before the next forward pass. The mitigated modes run under a tenant-scoped `always` toxicity mitigation (the Attenuate arrives at RequestStart, the gains hook scales the toxicity neurons every step). The `Lockstep = false` modes use 4 more `TelemetryModelServer`s built with that option: frames go out and the step loop does not wait for verdicts."));
        md.AppendLine();
        md.AppendLine("| mode | tokens | tokens/s | cost vs off | slowest round | fastest round | slowest session | fastest session | verdict timeouts | tokens attenuated | unmonitored requests |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Decode)
        {
            string stat(long v) => r.Monitored ? v.ToString("N0", CultureInfo.InvariantCulture) : "—";
            md.AppendLine(Inv($"| {r.Label} | {r.Tokens:N0} | {r.TokensPerSecond:N0} | {(r.Key == "off" ? "—" : Pct(Cost(r.Key)))} | {r.SlowestRound:N0} | {r.FastestRound:N0} | {r.SlowestSession:N0} | {r.FastestSession:N0} | {stat(r.Stats.VerdictTimeouts)} | {stat(r.Stats.AttenuatedTokens)} | {stat(r.Stats.Unmonitored)} |"));
        }
        md.AppendLine();
        if (Mode("off") is { } off && Mode("hooks") is { } hooks && Mode("lockstep") is { } lockstep && Mode("free") is { } free)
        {
            double plainUs = 1e6 / off.TokensPerSecond, hooksUs = 1e6 / hooks.TokensPerSecond, lockUs = 1e6 / lockstep.TokensPerSecond, freeUs = 1e6 / free.TokensPerSecond;
            double gainsUs = Mode("hooks+gains") is { } hg ? 1e6 / hg.TokensPerSecond : hooksUs;
            md.AppendLine(Inv($"Why the decode goal is missed: the fixture's whole forward pass is only ~{plainUs:0} µs per token, while one monitored step costs a fixed ~{lockUs - plainUs:0} µs of CPU on these 2 shared cores (frame encode, HTTP/2 write and read on both sides, scoring, verdict encode/decode, thread-pool hops; with lockstep the step also waits for it). Without lockstep the wait goes but the CPU work stays on the same 2 cores, so the saving is small. The same ~{lockUs - plainUs:0} µs is {(lockUs - plainUs) / 10_000 * 100:0.0} % of a 10 ms decode step, which is where real models on real servers are. Inside the model, the host's hooks alone cost {hooksUs - plainUs:+0;-0} µs per token and applying the toxicity gains {gainsUs - hooksUs:+0;-0} µs more; differences under ~10 % between the local modes are within this machine's noise.{(Sized is null ? "" : " Measure 5 (section 5) runs the same comparison on a GPT-2-small-sized model.")}"));
            md.AppendLine();
            md.AppendLine(Inv($"Per token: {plainUs:0} µs plain, {hooksUs:0} µs with the host's hooks alone ({hooksUs - plainUs:+0;-0} µs), {lockUs:0} µs monitored in lockstep ({lockUs - plainUs:+0;-0} µs: capture, frame encode, loopback gRPC write, daemon scoring, verdict back, thread hops), {freeUs:0} µs without lockstep ({freeUs - plainUs:+0;-0} µs)."));
            md.AppendLine();
        }
        if (Sized is { } sized)
        {
            AppendSized(md, sized);
        }
        return md.ToString();
    }

    private void AppendSized(StringBuilder md, SizedModelDecode.Result z)
    {
        md.AppendLine($"## 5. Decode on a {SizedName(z)}");
        md.AppendLine();
        double gib = z.WeightBytes / (1024.0 * 1024 * 1024);
        string flags = string.Join("; ", z.Rows.Where(r => r.Monitored).Select(r => $"{r.Key}: {(r.Stats.FlaggedBy.Count == 0 ? "none" : string.Join(", ", r.Stats.FlaggedBy.Select(f => $"{f.Key} {f.Value:N0}")))}"));
        md.AppendLine(Inv($"Measure 4 again where the forward pass is as heavy as a small real model's. Model: `FixtureMaker.WriteRandom(dir, RandomModelShape.{(z.ShapeName == "gpt2-small" ? "Gpt2Small" : "Llama100M")}, seed: 1)` — {z.Info.Architecture}, {z.Info.Layers} layers, d = {z.Info.HiddenSize}, {z.Info.Heads} heads, {z.Info.MlpNeurons:N0} MLP neurons per layer, {z.Info.VocabSize:N0}-token vocabulary (byte-level tokenizer), random F32 weights ({gib:0.00} GiB), fingerprint {z.Info.Fingerprint[..12]}…; {(z.Reused ? $"reused from an earlier run's temp folder" : $"written to a temp folder in {z.PrepareSeconds:0.0} s")}, loaded with `ModelHost.Load` ({z.Threads} threads = `Environment.ProcessorCount`). Catalog: 4 sets (toxicity, safety, backdoor, custom) × 64 neurons spread over all {z.Info.Layers} layers at seeded random indices = {z.Slots} slots, put and activated in the daemon's store under the model's real fingerprint. Baseline: `Calibrator.Run` on {z.CalibrationTexts} short benign texts (the first 3 words of fixture benign prompts; 30 % held out for the thresholds), each decoding {z.NewTokens} greedy steps like a measured request (`CalibrateOptions.DecodeSteps`; with the default 4 the running maxima of 32-token requests flagged most of them), in {z.CalibrationSeconds:0.0} s; thresholds {string.Join(", ", z.Thresholds.Select(d => $"{d.Name} {d.Threshold:0.###}"))}."));
        md.AppendLine();
        md.AppendLine(Inv($"Modes interleaved request by request (every prompt runs in each mode in turn, the order rotated per prompt and per round; measure 4 rotates whole blocks of prompts per round, which at this speed would last seconds each), one request at a time: {z.Prompts} prompts (3 words, {z.MeanPromptTokens:0.#} tokens on average) × {z.NewTokens} new tokens (stop tokens disabled) × {z.Rounds} rounds, after one warm-up request per mode; {z.MeasureSeconds:0} s measured. \"off\" is a plain `InferenceSession` (no hooks); the monitored modes are two `TelemetryModelServer`s on the same `ModelHost` connected to the daemon (one lockstep, one with `Lockstep = false`), the mitigated one under a tenant-scoped toxicity `always` (AurA, strength 1) set with Control.SetMitigation. One session per mode (the model servers pool theirs). *Per decode step* is timed from each request's first generated token to its last (tokens − 1 forward passes, each with its capture, its frame and, in lockstep, the wait for its verdict), so the prefill does not dilute the cost: *all steps* is their total time / their count (the goal is judged on it), *median request* the median over the mode's requests of each one's ms per step (a burst of load during one request does not move it). Tokens/s with the prefill is generated tokens / wall time per request, the definition of measure 4; the round columns (a mode's requests of one round) are in it."));
        md.AppendLine();
        md.AppendLine("| mode | requests | tokens | ms per decode step, all steps | cost vs off | ms per decode step, median request | cost vs off | tokens/s with the prefill | cost vs off | slowest round | fastest round | flagged tokens | verdict timeouts | tokens attenuated | unmonitored requests |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in z.Rows)
        {
            string stat(long v) => r.Monitored ? v.ToString("N0", CultureInfo.InvariantCulture) : "—";
            string cost(double? c) => r.Key == "off" ? "—" : Pct(c);
            md.AppendLine(Inv($"| {r.Label} | {r.Stats.Requests} | {r.Tokens:N0} | {SizedModelDecode.Result.StepMs(r):0.00} | {cost(z.StepCost(r.Key))} | {SizedModelDecode.Result.MedianStepMs(r):0.00} | {cost(z.MedianStepCost(r.Key))} | {r.TokensPerSecond:0.0} | {cost(z.WallCost(r.Key))} | {r.SlowestRound:0.0} | {r.FastestRound:0.0} | {stat(r.Stats.FlaggedTokens)} | {stat(r.Stats.VerdictTimeouts)} | {stat(r.Stats.AttenuatedTokens)} | {stat(r.Stats.Unmonitored)} |"));
        }
        md.AppendLine();
        md.AppendLine(Inv($"Flagged tokens by detector — {flags}. A flag costs the daemon one top-neuron ranking at the request's first flag and nothing more per step, so it barely moves these numbers; it shows how well {z.CalibrationTexts} calibration texts place a 1 % threshold (the toxicity score is a running maximum, so a request flagged once stays flagged; greedy decoding is deterministic, so the same prompts flag in every round{(z.Mode("lockstep+mitigation") is { } mit && mit.Stats.FlaggedBy.ContainsKey("Backdoor") ? "; the backdoor flags under mitigation come from the gains changing downstream activations" : "")})."));
        md.AppendLine();
        if (z.Mode("off") is { } off && z.Mode("lockstep") is { } lockstep)
        {
            double plain = SizedModelDecode.Result.StepMs(off), on = SizedModelDecode.Result.StepMs(lockstep);
            md.Append(Inv($"Per decode step: {plain:0.00} ms plain, {on:0.00} ms monitored in lockstep ({(on - plain) * 1000:+0;-0} µs). "));
            if (Mode("off") is { } fOff && Mode("lockstep") is { } fOn)
            {
                double roundTripMs = 1e3 / fOn.TokensPerSecond - 1e3 / fOff.TokensPerSecond;
                md.Append(Inv($"The fixed per-step monitoring work measured on the fixture in this run (~{roundTripMs * 1000:0} µs, measure 4) is {roundTripMs / plain * 100:0.0} % of this model's {plain:0.0} ms step. "));
            }
            md.AppendLine(Inv($"Whatever a monitored mode shows beyond that is either the load of the shared 2 cores (compare the slowest and fastest rounds of the plain session: one request moves by tens of percent) or work that grows with the model and not with the slots (the model server copies the 50,257 logits after every step and runs its step loop as a thread-pool task beside the model's matmul threads and the daemon, on the same 2 cores); {z.Prompts * z.Rounds} requests per mode do not separate the two. Rerun with more rounds (`--sized-rounds 10`, about 2.5 min) or on an idle machine to narrow it."));
            md.AppendLine();
        }
    }

    private static string SizedName(SizedModelDecode.Result z) => z.ShapeName == "gpt2-small" ? "GPT-2-small-sized model" : "~100M-parameter Llama-shaped model";

    private static string StepMsOf(SizedModelDecode.Result z, string key) => z.Mode(key) is { } r ? SizedModelDecode.Result.StepMs(r).ToString("0.00", CultureInfo.InvariantCulture) : "—";

    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} / {parts[1]} / {parts[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "—";

    private static string Pct(double? cost) => cost is { } c ? (c * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    private static string YesNo(bool met) => met ? "yes" : "**no**";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
