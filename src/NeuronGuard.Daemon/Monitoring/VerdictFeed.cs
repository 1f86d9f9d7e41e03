using System.Threading.Channels;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Fans verdicts out to Control.WatchVerdicts callers. Each watcher has a bounded queue: a slow watcher loses
/// verdicts (counted and reported in the next one it gets) instead of growing the daemon's memory.
/// </summary>
public sealed class VerdictFeed(int queueCapacity)
{
    private volatile Watcher[] _watchers = [];
    private readonly object _gate = new();

    /// <summary>Cheap check so sessions build nothing when nobody watches.</summary>
    public bool HasWatchers => _watchers.Length > 0;

    /// <summary>Raised with the number of verdicts a watcher dropped (for metrics).</summary>
    public event Action<int>? Dropped;

    public void Publish(string serverId, string tenant, Verdict verdict)
    {
        foreach (var w in _watchers)
        {
            if (w.FlaggedOnly && !verdict.Flagged || w.Tenant.Length > 0 && w.Tenant != tenant)
            {
                continue;
            }
            var item = new WatchedVerdict { ServerId = serverId, Tenant = tenant, Verdict = verdict };
            if (!w.Queue.Writer.TryWrite(item))
            {
                Interlocked.Increment(ref w.DroppedSinceLast);
                Dropped?.Invoke(1);
            }
        }
    }

    public Watcher Subscribe(bool flaggedOnly, string tenant)
    {
        var w = new Watcher(flaggedOnly, tenant, Channel.CreateBounded<WatchedVerdict>(new BoundedChannelOptions(queueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true,
        }));
        lock (_gate)
        {
            _watchers = [.. _watchers, w];
        }
        return w;
    }

    public void Unsubscribe(Watcher w)
    {
        lock (_gate)
        {
            _watchers = _watchers.Where(x => x != w).ToArray();
        }
    }

    public sealed class Watcher(bool flaggedOnly, string tenant, Channel<WatchedVerdict> queue)
    {
        public bool FlaggedOnly { get; } = flaggedOnly;

        public string Tenant { get; } = tenant;

        public Channel<WatchedVerdict> Queue { get; } = queue;

        public long DroppedSinceLast;
    }
}
