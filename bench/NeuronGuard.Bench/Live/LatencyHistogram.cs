using System.Globalization;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// The daemon's own <c>neuronguard_verdict_latency_seconds</c> histogram (Activations received → Verdict written),
/// read through the registry's exposition text, since the histogram itself is private to DaemonMetrics. Two reads
/// give the window between them; percentiles are bucket upper bounds, as Prometheus' histogram_quantile would
/// bracket them.
/// </summary>
internal static class LatencyHistogram
{
    private const string Bucket = "neuronguard_verdict_latency_seconds_bucket{le=\"";

    /// <summary>Cumulative counts by upper bound (seconds; +Inf last).</summary>
    public sealed record Snapshot(double[] Bounds, long[] Cumulative);

    /// <summary>Count in the window and the bucket bounds holding p50 / p99 / p99.9, in milliseconds.</summary>
    public sealed record Summary(long Count, double P50Ms, double P99Ms, double P999Ms)
    {
        public static string Bound(double ms) => double.IsPositiveInfinity(ms) ? "> 1 s" : $"≤ {ms.ToString("0.###", CultureInfo.InvariantCulture)}";
    }

    public static Snapshot Read(DaemonMetrics metrics)
    {
        var bounds = new List<double>();
        var counts = new List<long>();
        foreach (var line in metrics.Registry.Scrape().Split('\n'))
        {
            if (!line.StartsWith(Bucket, StringComparison.Ordinal))
            {
                continue;
            }
            int close = line.IndexOf('"', Bucket.Length);
            string le = line[Bucket.Length..close];
            bounds.Add(le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture));
            counts.Add(long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
        }
        if (bounds.Count == 0)
        {
            throw new InvalidOperationException("the daemon's metrics have no neuronguard_verdict_latency_seconds histogram; was it renamed?");
        }
        return new Snapshot([.. bounds], [.. counts]);
    }

    public static Summary Delta(Snapshot before, Snapshot after)
    {
        var d = after.Cumulative.Select((c, i) => c - before.Cumulative[i]).ToArray();
        long total = d[^1];
        return new Summary(total, Quantile(after.Bounds, d, total, 0.5), Quantile(after.Bounds, d, total, 0.99), Quantile(after.Bounds, d, total, 0.999));
    }

    private static double Quantile(double[] bounds, long[] cumulative, long total, double q)
    {
        if (total == 0)
        {
            return double.NaN;
        }
        long rank = (long)Math.Ceiling(q * total);
        for (int i = 0; i < bounds.Length; i++)
        {
            if (cumulative[i] >= rank)
            {
                return bounds[i] * 1000;
            }
        }
        return double.PositiveInfinity;
    }
}
