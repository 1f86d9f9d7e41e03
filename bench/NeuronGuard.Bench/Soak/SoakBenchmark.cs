using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NeuronGuard.Bench.Live;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Bench.Soak;

/// <summary>
/// Issue 14 item 8 and issue 23 item 11: the daemon under steady paced traffic for minutes (not in CI). Each window
/// runs model-server streams at one frame per 4 ms on the planted fixture, half of them sending benign-range
/// activations (clean requests) and half far outside it (flagged requests), and records client-side verdict p99,
/// the requests the daemon ended clean and flagged (from its own neuronguard_requests_total), the process's RSS and
/// managed heap, and the bytes the daemon logged at its default level (Information). The daemon and the clients
/// share this process (as in the live bench), so RSS covers both.
/// Options: --minutes N (default 3), --window S (seconds per window, default 20), --streams N (default 16, half clean).
/// Writes bench/results/soak.md.
/// </summary>
internal sealed partial class SoakBenchmark : IBenchmark
{
    public string Name => "soak";

    public string Description => "minutes of paced clean and flagged traffic: RSS, log bytes, verdict p99 and verdict counts per window";

    internal sealed record Row(double At, VerdictLatency.Result Clean, VerdictLatency.Result Flagged, double CleanRequests, double FlaggedRequests, long Rss, long Heap, long LogBytes);

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        double minutes = Arg(args, "--minutes", 3);
        var window = TimeSpan.FromSeconds(Arg(args, "--window", 20));
        int streams = Math.Max(2, (int)Arg(args, "--streams", 16));
        string dataDir = Path.Combine(Path.GetTempPath(), "neuronguard-soak-" + Guid.NewGuid().ToString("N"));
        var console = Console.Out;
        var log = new CountingWriter();
        Console.SetOut(log); // the daemon's console logger binds to Console.Out/Error when it is built
        Console.SetError(log);
        try
        {
            await using var daemon = await ServeHost.StartAsync(new DaemonOptions
            {
                Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Information", Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
            }, cancellationToken);
            string fp = daemon.BuiltinHost()!.Host.Info.Fingerprint;
            var plan = daemon.Context.Plans.Get(fp).Plan!;
            var clean = LiveFrames.For(plan, 64);
            var flagged = LiveFrames.Flagged(plan, 64);
            using var http = new HttpClient();
            var (framesBefore, cleanBefore, flaggedBefore) = await ScrapeAsync(http, daemon.MetricsAddress!);
            var rows = new List<Row>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalMinutes < minutes && !cancellationToken.IsCancellationRequested)
            {
                long logBefore = log.Bytes;
                var pace = TimeSpan.FromMilliseconds(4);
                var runs = await Task.WhenAll(
                    VerdictLatency.RunAsync(daemon.Address, fp, daemon.Context.Metrics, clean, streams / 2, pace, TimeSpan.Zero, window, cancellationToken),
                    VerdictLatency.RunAsync(daemon.Address, fp, daemon.Context.Metrics, flagged, streams - streams / 2, pace, TimeSpan.Zero, window, cancellationToken));
                var (_, c, f) = await ScrapeAsync(http, daemon.MetricsAddress!);
                using var self = Process.GetCurrentProcess();
                rows.Add(new Row(clock.Elapsed.TotalMinutes, runs[0], runs[1], c - cleanBefore - rows.Sum(r => r.CleanRequests), f - flaggedBefore - rows.Sum(r => r.FlaggedRequests),
                    self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false), log.Bytes - logBefore));
                var row = rows[^1];
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.At:0.0} min: clean {row.CleanRequests} / flagged {row.FlaggedRequests} requests, p99 {runs[0].P99Ms:0.000} / {runs[1].P99Ms:0.000} ms, RSS {row.Rss >> 20} MiB, log {row.LogBytes} B, errors {runs[0].Errors + runs[1].Errors}"));
            }
            await Task.Delay(500, cancellationToken); // the last frames' counter updates
            double counted = (await ScrapeAsync(http, daemon.MetricsAddress!)).Frames - framesBefore;
            string path = SoakReport.Write(rows, counted, streams, window, args);
            console.WriteLine($"wrote {path}");
        }
        finally
        {
            Console.SetOut(console);
            Console.SetError(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        }
        return 0;
    }

    /// <summary>neuronguard_frames_total and neuronguard_requests_total{verdict="clean"|"flagged"}, summed over tenants.</summary>
    private static async Task<(double Frames, double Clean, double Flagged)> ScrapeAsync(HttpClient http, Uri metrics)
    {
        var text = await http.GetStringAsync(metrics);
        double Sum(Regex r) => r.Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return (Sum(FramesLine()), Sum(CleanLine()), Sum(FlaggedLine()));
    }

    [GeneratedRegex(@"^neuronguard_frames_total\{[^}]*\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex FramesLine();

    [GeneratedRegex(@"^neuronguard_requests_total\{[^}]*verdict=""clean""[^}]*\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex CleanLine();

    [GeneratedRegex(@"^neuronguard_requests_total\{[^}]*verdict=""flagged""[^}]*\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex FlaggedLine();

    private static double Arg(string[] args, string name, double fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
