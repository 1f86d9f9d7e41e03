using System.Globalization;
using System.Text;

namespace NeuronGuard.Bench.Soak;

/// <summary>bench/results/soak.md from the soak's windows: machine, load, command, one row per window, totals.</summary>
internal static class SoakReport
{
    public static string Write(List<SoakBenchmark.Row> rows, double counted, int streams, TimeSpan window, string[] args)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Soak: paced clean and flagged traffic for minutes").AppendLine();
        md.AppendLine($"- Command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- soak {string.Join(' ', args)}`");
        md.AppendLine($"- Machine: {Cpu()}, {Environment.ProcessorCount} cores; load average at the end {File.ReadAllText("/proc/loadavg").Trim()} " +
            "(the machine is shared with other builds and test runs: the latencies are noisy, the counts and RSS are not timing figures); " +
            $"daemon and {streams} client streams in one process (RSS covers both).");
        md.AppendLine($"- Traffic: {streams / 2} streams of benign-range activations (clean requests) and {streams - streams / 2} of activations 12 benign " +
            $"standard deviations above the mean (flagged requests), one 1-step frame per stream every 4 ms, 64 frames per request, on the planted fixture; windows of {window.TotalSeconds:0} s.");
        md.AppendLine("- Verdict counts are the daemon's own `neuronguard_requests_total{verdict=\"clean\"|\"flagged\"}` deltas per window; log bytes are what the " +
            "daemon's console logger wrote at its default level (Information) in the window; \"per minute\" scales the window to 60 s.").AppendLine();
        md.AppendLine("| minute | clean requests | flagged requests | clean p99 ms | flagged p99 ms | max ms | errors | RSS MiB | heap MiB | log bytes/min |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        double perMinute = 60 / window.TotalSeconds;
        foreach (var r in rows)
        {
            md.AppendLine(inv, $"| {r.At:0.0} | {r.CleanRequests:N0} | {r.FlaggedRequests:N0} | {r.Clean.P99Ms:0.000} | {r.Flagged.P99Ms:0.000} | {Math.Max(r.Clean.MaxMs, r.Flagged.MaxMs):0.0} | " +
                $"{r.Clean.Errors + r.Flagged.Errors} | {r.Rss >> 20} | {r.Heap >> 20} | {r.LogBytes * perMinute:N0} |");
        }
        md.AppendLine();
        long received = rows.Sum(x => (long)x.Clean.Frames + x.Flagged.Frames);
        md.AppendLine(inv, $"- Daemon's `neuronguard_frames_total` grew by {counted:N0}; the clients received a verdict for {received:N0} frames (each window also sends up to {streams} frames whose verdicts arrive after it closes, so the counter may exceed the verdicts by that much per window).");
        md.AppendLine(inv, $"- Requests ended clean: {rows.Sum(r => r.CleanRequests):N0}; flagged: {rows.Sum(r => r.FlaggedRequests):N0}; log bytes in all: {rows.Sum(r => r.LogBytes):N0}.");
        if (rows.Count >= 2)
        {
            md.AppendLine(inv, $"- RSS from the first window to the last: {rows[0].Rss >> 20} → {rows[^1].Rss >> 20} MiB (max {rows.Max(r => r.Rss) >> 20}); clean verdict p99 {rows[0].Clean.P99Ms:0.000} → {rows[^1].Clean.P99Ms:0.000} ms.");
        }
        var path = Path.Combine(Detection.DetectionBenchmark.FindRepoRoot(), "bench", "results", "soak.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static string Cpu() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
}
