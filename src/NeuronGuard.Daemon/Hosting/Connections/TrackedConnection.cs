namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>One connection's stream count and when it last carried one (what "idle" means to <see cref="ConnectionPolicy"/>).</summary>
internal sealed class TrackedConnection(DateTimeOffset openedAt)
{
    private readonly Lock _gate = new();
    private int _streams;
    private DateTimeOffset _lastActive = openedAt;

    public DateTimeOffset OpenedAt { get; } = openedAt;

    public void StreamStarted()
    {
        lock (_gate)
        {
            _streams++;
        }
    }

    public void StreamEnded(DateTimeOffset now)
    {
        lock (_gate)
        {
            _streams--;
            _lastActive = now;
        }
    }

    /// <summary>True when no stream is open and none ended within <paramref name="idle"/> (pings do not count).</summary>
    public bool IsIdleSince(DateTimeOffset now, TimeSpan idle)
    {
        lock (_gate)
        {
            return _streams == 0 && now - _lastActive >= idle;
        }
    }
}
