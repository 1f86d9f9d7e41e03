namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Lets at most N denials per second through to the audit log, so a client hammering with a bad token cannot
/// flood it; the rest are counted and the next report says how many were left out.
/// </summary>
internal sealed class DenialLimiter(int maxPerSecond)
{
    private readonly object _gate = new();
    // Far enough in the past that the first denial opens a window; long.MinValue would overflow "now - start".
    private long _windowStart = Environment.TickCount64 - 1_000;
    private int _inWindow;
    private long _suppressedSinceReport;
    private long _total;
    private long _suppressed;

    public long Total => Interlocked.Read(ref _total);

    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>True when this denial may be reported; <paramref name="leftOut"/> = denials dropped since the last report.</summary>
    public bool TryAcquire(out long leftOut) => TryAcquire(Environment.TickCount64, out leftOut);

    /// <param name="now">Milliseconds on a monotonic clock (<see cref="Environment.TickCount64"/>); tests pass their own.</param>
    internal bool TryAcquire(long now, out long leftOut)
    {
        lock (_gate)
        {
            _total++;
            if (now - _windowStart >= 1000)
            {
                _windowStart = now;
                _inWindow = 0;
            }
            if (_inWindow >= maxPerSecond)
            {
                _suppressed++;
                _suppressedSinceReport++;
                leftOut = 0;
                return false;
            }
            _inWindow++;
            leftOut = _suppressedSinceReport;
            _suppressedSinceReport = 0;
            return true;
        }
    }
}
