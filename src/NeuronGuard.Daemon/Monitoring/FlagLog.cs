using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>The most recent flagged requests (Control.ListFlagged), a fixed-size ring so memory stays bounded.</summary>
public sealed class FlagLog(int capacity)
{
    private readonly FlaggedRequest[] _ring = new FlaggedRequest[Math.Max(1, capacity)];
    private readonly object _gate = new();
    private long _count;

    public void Add(FlaggedRequest request)
    {
        lock (_gate)
        {
            _ring[_count % _ring.Length] = request;
            _count++;
        }
    }

    /// <summary>
    /// Newest first, one entry per request: a request is added again when a second detector flags it later, and only
    /// its newest entry (with every detector's scores so far) is listed (issue 24 item 10: `ctl flagged` listed one
    /// request twice).
    /// </summary>
    public List<FlaggedRequest> Latest(int limit, string? tenant)
    {
        var list = new List<FlaggedRequest>();
        var seen = new HashSet<(string, string)>();
        lock (_gate)
        {
            long n = Math.Min(_count, _ring.Length);
            for (long i = 0; i < n && list.Count < limit; i++)
            {
                var r = _ring[(_count - 1 - i) % _ring.Length];
                if ((string.IsNullOrEmpty(tenant) || r.Tenant == tenant) && seen.Add((r.ServerId, r.RequestId)))
                {
                    list.Add(r);
                }
            }
        }
        return list;
    }
}
