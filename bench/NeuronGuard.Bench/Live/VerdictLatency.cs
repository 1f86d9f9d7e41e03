using System.Diagnostics;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Measure 1: N model-server streams, each running requests of one decode-step frame at a time (send, wait for that
/// step's Verdict, send the next), either back to back (a closed loop: the offered load is whatever the CPUs allow)
/// or paced at one frame per stream every <c>pace</c> (a decode step rate, as a real model server produces them).
/// Latency is client-side: Stopwatch before the write → arrival of the matching Verdict on the reader task. The
/// daemon's own histogram (Activations received → Verdict written) is read for the same window.
/// </summary>
internal static class VerdictLatency
{
    public sealed record Result(int Streams, int Slots, TimeSpan? Pace, int Frames, double P50Ms, double P99Ms, double P999Ms, double MaxMs, double FramesPerSecond, long Errors, LatencyHistogram.Summary Daemon);

    public static async Task<Result> RunAsync(Uri address, string fingerprint, DaemonMetrics metrics, LiveFrames frames, int streams, TimeSpan? pace, TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        var connected = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => LiveStream.ConnectAsync(address, fingerprint, $"bench-latency-{i}")));
        var all = connected.Select(c => c.Stream).ToArray();
        try
        {
            long measureFrom = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
            long measureTo = measureFrom + (long)(measure.TotalSeconds * Stopwatch.Frequency);
            var samples = all.Select(_ => new List<double>(1 << 16)).ToArray();
            var runs = all.Select((s, i) => Task.Run(() => DriveAsync(s, frames, pace, samples[i], measureFrom, measureTo, ct), ct)).ToArray();
            await Task.Delay(warmup, ct);
            var before = LatencyHistogram.Read(metrics);
            await Task.Delay(measure, ct);
            var after = LatencyHistogram.Read(metrics);
            await Task.WhenAll(runs);
            var merged = samples.SelectMany(s => s).ToArray();
            Array.Sort(merged);
            return new Result(streams, frames.Slots, pace, merged.Length, At(merged, 50), At(merged, 99), At(merged, 99.9), merged.Length == 0 ? double.NaN : merged[^1],
                merged.Length / measure.TotalSeconds, all.Sum(s => s.Errors), LatencyHistogram.Delta(before, after));
        }
        finally
        {
            await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    private static async Task DriveAsync(LiveStream stream, LiveFrames frames, TimeSpan? pace, List<double> samples, long from, long to, CancellationToken ct)
    {
        var verdicts = stream.Verdicts;
        double toMs = 1000.0 / Stopwatch.Frequency;
        long interval = pace is { } p ? (long)(p.TotalSeconds * Stopwatch.Frequency) : 0;
        // Paced streams start at staggered offsets, as independent model servers would.
        long next = Stopwatch.GetTimestamp() + (interval > 0 ? Random.Shared.NextInt64(interval) : 0);
        while (Stopwatch.GetTimestamp() < to && !ct.IsCancellationRequested)
        {
            await stream.SendAsync(LiveFrames.Start);
            for (int f = 0; f < frames.Frames.Length; f++)
            {
                if (interval > 0)
                {
                    long wait = next - Stopwatch.GetTimestamp();
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
                    }
                    next = Math.Max(next + interval, Stopwatch.GetTimestamp());
                }
                long sent = Stopwatch.GetTimestamp();
                await stream.SendAsync(frames.Frames[f]);
                uint want = frames.LastStep(f);
                while (true)
                {
                    var (step, at, error) = await verdicts.ReadAsync(ct);
                    if (error)
                    {
                        break;
                    }
                    if (step == want)
                    {
                        if (sent >= from && sent < to)
                        {
                            samples.Add((at - sent) * toMs);
                        }
                        break;
                    }
                }
            }
            await stream.SendAsync(LiveFrames.End);
        }
    }

    /// <summary>Nearest-rank percentile of a sorted sample.</summary>
    public static double At(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
