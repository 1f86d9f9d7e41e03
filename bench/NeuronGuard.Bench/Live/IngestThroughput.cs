using System.Diagnostics;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Measure 2: N streams push frames as fast as they can, pipelined: up to <c>window</c> frames per stream await
/// their verdict at once (below the daemon's VerdictQueueLimit, so no verdict is dropped and every counted value
/// was scored and answered). Throughput counts verdicts received in the window × steps × slots.
/// </summary>
internal static class IngestThroughput
{
    public sealed record Result(int Streams, int Slots, int StepsPerFrame, int Window, long Frames, double FramesPerSecond, double ValuesPerSecond, long Errors);

    public static async Task<Result> RunAsync(Uri address, string fingerprint, LiveFrames frames, int streams, int window, TimeSpan warmup, TimeSpan measure, CancellationToken ct)
    {
        var connected = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => LiveStream.ConnectAsync(address, fingerprint, $"bench-ingest-{i}")));
        var all = connected.Select(c => c.Stream).ToArray();
        try
        {
            long from = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
            long to = from + (long)(measure.TotalSeconds * Stopwatch.Frequency);
            var counted = new long[streams];
            var runs = all.Select((s, i) => Task.Run(() => DriveAsync(s, frames, window, from, to, counted, i, ct), ct)).ToArray();
            await Task.WhenAll(runs);
            long total = counted.Sum();
            double fps = total / measure.TotalSeconds;
            return new Result(streams, frames.Slots, frames.StepsPerFrame, window, total, fps, fps * frames.StepsPerFrame * frames.Slots, all.Sum(s => s.Errors));
        }
        finally
        {
            await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask()));
        }
    }

    private static async Task DriveAsync(LiveStream stream, LiveFrames frames, int window, long from, long to, long[] counted, int index, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(window, window);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long sent = 0, received = 0, inWindow = 0;
        var receiver = Task.Run(async () =>
        {
            var reader = stream.Verdicts;
            try
            {
                while (await reader.WaitToReadAsync(stop.Token))
                {
                    while (reader.TryRead(out var v))
                    {
                        if (!v.Error && v.At >= from && v.At < to)
                        {
                            inWindow++;
                        }
                        Interlocked.Increment(ref received);
                        slots.Release();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Every frame was answered.
            }
        }, CancellationToken.None);
        while (Stopwatch.GetTimestamp() < to && !ct.IsCancellationRequested)
        {
            await stream.SendAsync(LiveFrames.Start);
            for (int f = 0; f < frames.Frames.Length && Stopwatch.GetTimestamp() < to; f++)
            {
                await slots.WaitAsync(ct);
                sent++;
                await stream.SendAsync(frames.Frames[f]);
            }
            await stream.SendAsync(LiveFrames.End);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref received) < sent && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1, ct);
        }
        await stop.CancelAsync();
        await receiver;
        counted[index] = inWindow;
    }
}
