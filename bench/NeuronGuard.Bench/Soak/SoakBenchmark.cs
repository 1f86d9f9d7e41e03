using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NeuronGuard.Bench.Live;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Bench.Soak;

/// <summary>
/// Issue 14 item 8: the daemon under steady paced traffic for minutes (not in CI). Each window runs 16 model-server
/// streams at one frame per 4 ms on the planted fixture and records client-side verdict p99, the process's RSS and
/// managed heap; at the end the daemon's own frame counter is compared with the verdicts the clients received.
/// The daemon and the clients share this process (as in the live bench), so RSS covers both.
/// Options: --minutes N (default 3), --window S (seconds per window, default 20), --streams N (default 16).
/// Writes bench/results/soak.md.
/// </summary>
internal sealed partial class SoakBenchmark : IBenchmark
{
    public string Name => "soak";

    public string Description => "minutes of paced traffic: RSS, verdict p99 per window, metric totals against what was sent";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        double minutes = Arg(args, "--minutes", 3);
        var window = TimeSpan.FromSeconds(Arg(args, "--window", 20));
        int streams = (int)Arg(args, "--streams", 16);
        string dataDir = Path.Combine(Path.GetTempPath(), "neuronguard-soak-" + Guid.NewGuid().ToString("N"));
        await using var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
        }, cancellationToken);
        string fp = daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var plan = daemon.Context.Plans.Get(fp).Plan!;
        var frames = LiveFrames.For(plan, 64);
        using var http = new HttpClient();
        double countedBefore = await FramesCountedAsync(http, daemon.MetricsAddress!);
        var rows = new List<(double At, VerdictLatency.Result R, long Rss, long Heap)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalMinutes < minutes && !cancellationToken.IsCancellationRequested)
        {
            var r = await VerdictLatency.RunAsync(daemon.Address, fp, daemon.Context.Metrics, frames, streams, TimeSpan.FromMilliseconds(4), TimeSpan.Zero, window, cancellationToken);
            using var self = Process.GetCurrentProcess();
            rows.Add((clock.Elapsed.TotalMinutes, r, self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false)));
            Console.WriteLine($"{clock.Elapsed.TotalMinutes:0.0} min: {r.Frames} frames, p99 {r.P99Ms:0.000} ms, RSS {self.WorkingSet64 >> 20} MiB, {r.Errors} errors");
        }
        await Task.Delay(500, cancellationToken); // the last frames' counter updates
        double counted = await FramesCountedAsync(http, daemon.MetricsAddress!) - countedBefore;
        long received = rows.Sum(x => (long)x.R.Frames);
        Write(rows, counted, received, streams, window, args);
        return 0;
    }

    private static void Write(List<(double At, VerdictLatency.Result R, long Rss, long Heap)> rows, double counted, long received, int streams, TimeSpan window, string[] args)
    {
        var md = new StringBuilder();
        md.AppendLine("# Soak: paced traffic for minutes").AppendLine();
        md.AppendLine($"- Command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- soak {string.Join(' ', args)}`");
        md.AppendLine($"- Machine: {Environment.ProcessorCount} cores; load average at the end {File.ReadAllText("/proc/loadavg").Trim()}; daemon and {streams} client streams in one process (RSS covers both).");
        md.AppendLine($"- Traffic: {streams} streams, one 1-step frame per stream every 4 ms on the planted fixture; windows of {window.TotalSeconds:0} s.").AppendLine();
        md.AppendLine("| minute | verdicts received | p50 ms | p99 ms | max ms | errors | RSS MiB | managed heap MiB |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (at, r, rss, heap) in rows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {at:0.0} | {r.Frames:N0} | {r.P50Ms:0.000} | {r.P99Ms:0.000} | {r.MaxMs:0.0} | {r.Errors} | {rss >> 20} | {heap >> 20} |");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Daemon's `neuronguard_frames_total` grew by {counted:N0}; the clients received a verdict for {received:N0} frames (each window also sends up to {streams} frames whose verdicts arrive after it closes, so the counter may exceed the verdicts by that much per window).");
        if (rows.Count >= 2)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- RSS from the first window to the last: {rows[0].Rss >> 20} → {rows[^1].Rss >> 20} MiB; verdict p99 {rows[0].R.P99Ms:0.000} → {rows[^1].R.P99Ms:0.000} ms.");
        }
        var path = Path.Combine(Detection.DetectionBenchmark.FindRepoRoot(), "bench", "results", "soak.md");
        File.WriteAllText(path, md.ToString());
        Console.WriteLine($"wrote {path}");
    }

    private static async Task<double> FramesCountedAsync(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        return FramesLine().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^neuronguard_frames_total\{[^}]*\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex FramesLine();

    private static double Arg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
