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

    /// <summary>Newest first.</summary>
    public List<FlaggedRequest> Latest(int limit, string? tenant)
    {
        var list = new List<FlaggedRequest>();
        lock (_gate)
        {
            long n = Math.Min(_count, _ring.Length);
            for (long i = 0; i < n && list.Count < limit; i++)
            {
                var r = _ring[(_count - 1 - i) % _ring.Length];
                if (string.IsNullOrEmpty(tenant) || r.Tenant == tenant)
                {
                    list.Add(r);
                }
            }
        }
        return list;
    }
}
