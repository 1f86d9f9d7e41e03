using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// The last <see cref="HistoryOptions.MaxRequests"/> requests, open or ended, in a ring: a new request takes the slot of
/// the oldest, which gives its buffers back. Lookups scan the ring (a few thousand string compares per GetRequest, an
/// operator's call), so no index grows or shrinks with the request rate.
/// </summary>
public sealed class RequestHistory(HistoryOptions options)
{
    private readonly object _gate = new();
    private readonly RequestTrace?[] _ring = new RequestTrace?[options.MaxRequests];
    private int _next;

    public bool Enabled => _ring.Length > 0;

    internal int MaxStepsPerRequest => options.MaxStepsPerRequest;

    /// <summary>Adds a started request, evicting the oldest (check <see cref="Enabled"/> first).</summary>
    internal void Add(RequestTrace trace)
    {
        RequestTrace? evicted;
        lock (_gate)
        {
            evicted = _ring[_next];
            _ring[_next] = trace;
            _next = (_next + 1) % _ring.Length;
        }
        evicted?.Evict();
    }

    /// <summary>The newest request with this id (of <paramref name="serverId"/> when given), or null when none is kept.</summary>
    public GetRequestResponse? Find(string requestId, string serverId)
    {
        RequestTrace? found = null;
        lock (_gate)
        {
            // Newest first: walk back from the slot written last.
            for (int k = 1; k <= _ring.Length; k++)
            {
                var t = _ring[((_next - k) % _ring.Length + _ring.Length) % _ring.Length];
                if (t is null)
                {
                    break;
                }
                if (t.RequestId == requestId && (serverId.Length == 0 || t.Source.ServerId == serverId))
                {
                    found = t;
                    break;
                }
            }
        }
        return found?.ToProto();
    }
}
