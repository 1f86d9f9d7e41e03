using System.Threading.RateLimiting;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Lets at most N reports per window through (a <see cref="FixedWindowRateLimiter"/>) and counts the rest, so a client
/// that keeps failing cannot flood the log or the audit trail; the next report says how many were left out.
/// </summary>
internal sealed class ReportLimiter : IDisposable
{
    private readonly FixedWindowRateLimiter _limiter;
    private long _suppressedSinceReport;
    private long _total;
    private long _suppressed;

    /// <param name="autoReplenish">False for tests, which open the next window with <see cref="NextWindow"/>.</param>
    public ReportLimiter(int permitsPerWindow, TimeSpan window, bool autoReplenish = true)
    {
        _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitsPerWindow,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = autoReplenish,
        });
    }

    /// <summary>Every event offered, reported or not.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Events counted but not reported (over the limit).</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>True when this event may be reported; <paramref name="leftOut"/> = events dropped since the last report.</summary>
    public bool TryAcquire(out long leftOut)
    {
        Interlocked.Increment(ref _total);
        using var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            Interlocked.Increment(ref _suppressed);
            Interlocked.Increment(ref _suppressedSinceReport);
            leftOut = 0;
            return false;
        }
        leftOut = Interlocked.Exchange(ref _suppressedSinceReport, 0);
        return true;
    }

    /// <summary>Opens the next window now (only when built without auto-replenishment).</summary>
    internal void NextWindow() => _limiter.TryReplenish();

    public void Dispose() => _limiter.Dispose();
}
