using System.Threading.Channels;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Fans verdicts out to live watchers (Control.WatchVerdicts and the HTTP API's verdict stream). Each watcher has a
/// bounded queue: a slow watcher loses verdicts (counted and reported in the next one it gets) instead of growing the
/// daemon's memory.
/// </summary>
public sealed class VerdictFeed(int queueCapacity)
{
    private volatile Watcher[] _watchers = [];
    private readonly object _gate = new();
    private long _dropped;

    /// <summary>Cheap check so sessions build nothing when nobody watches.</summary>
    public bool HasWatchers => _watchers.Length > 0;

    /// <summary>Verdicts lost by every watcher since start (GetOverview).</summary>
    public long DroppedTotal => Interlocked.Read(ref _dropped);

    /// <summary>Raised with the number of verdicts a watcher dropped (for metrics).</summary>
    public event Action<int>? Dropped;

    public void Publish(VerdictSource source, string tenant, Verdict verdict)
    {
        foreach (var w in _watchers)
        {
            if (!w.Filter.Matches(source, tenant, verdict))
            {
                continue;
            }
            var item = new WatchedVerdict
            {
                ServerId = source.ServerId, Tenant = tenant, Verdict = verdict, ModelId = source.ModelId, ModelFingerprint = source.Fingerprint,
            };
            if (!w.Queue.Writer.TryWrite(item))
            {
                Interlocked.Increment(ref w.DroppedSinceLast);
                Interlocked.Increment(ref _dropped);
                Dropped?.Invoke(1);
            }
        }
    }

    public Watcher Subscribe(bool flaggedOnly, string tenant) => Subscribe(new VerdictFilter(flaggedOnly, tenant));

    public Watcher Subscribe(VerdictFilter filter)
    {
        var w = new Watcher(filter, Channel.CreateBounded<WatchedVerdict>(new BoundedChannelOptions(queueCapacity)
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

    public sealed class Watcher(VerdictFilter filter, Channel<WatchedVerdict> queue)
    {
        public VerdictFilter Filter { get; } = filter;

        public Channel<WatchedVerdict> Queue { get; } = queue;

        public long DroppedSinceLast;

        /// <summary>The verdicts lost since the previous call (set on the next one sent).</summary>
        public ulong TakeDropped() => (ulong)Interlocked.Exchange(ref DroppedSinceLast, 0);
    }
}

/// <summary>The model server a verdict came from, made once per stream at Hello.</summary>
public sealed record VerdictSource(string ServerId, string ModelId, string Fingerprint, string ModelName);
