using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Cumulative counts since start for Control.GetOverview (a console reads them twice and divides by the time between):
/// updated once per ended request with a few interlocked adds, never per frame.
/// </summary>
public sealed class DaemonCounters
{
    private const int DetectorSlots = 64; // proto Detector values; larger ones are not counted per detector
    private readonly long[] _flaggedBy = new long[DetectorSlots];
    private long _ended;
    private long _flagged;
    private long _frames;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <param name="flaggedDetectors">The detectors that flagged this request, once each.</param>
    internal void RequestEnded(int frames, bool flagged, ulong flaggedDetectors)
    {
        Interlocked.Increment(ref _ended);
        Interlocked.Add(ref _frames, frames);
        if (!flagged)
        {
            return;
        }
        Interlocked.Increment(ref _flagged);
        for (int d = 0; d < DetectorSlots && flaggedDetectors != 0; d++, flaggedDetectors >>= 1)
        {
            if ((flaggedDetectors & 1) != 0)
            {
                Interlocked.Increment(ref _flaggedBy[d]);
            }
        }
    }

    /// <summary>The bit of <paramref name="detector"/> in a flagged-detectors mask.</summary>
    internal static ulong Bit(Detector detector) => (int)detector is >= 0 and < DetectorSlots ? 1UL << (int)detector : 0;

    public OverviewCounters ToProto(long watcherDropped)
    {
        var counters = new OverviewCounters
        {
            RequestsEnded = (ulong)Interlocked.Read(ref _ended),
            RequestsFlagged = (ulong)Interlocked.Read(ref _flagged),
            FramesScored = (ulong)Interlocked.Read(ref _frames),
            WatcherVerdictsDropped = (ulong)watcherDropped,
        };
        for (int d = 1; d < DetectorSlots; d++)
        {
            long n = Interlocked.Read(ref _flaggedBy[d]);
            if (n > 0)
            {
                counters.FlaggedByDetector.Add(new DetectorCount { Detector = (Detector)d, Count = (ulong)n });
            }
        }
        return counters;
    }
}
