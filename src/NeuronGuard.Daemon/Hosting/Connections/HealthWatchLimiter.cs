using System.Collections.Concurrent;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>
/// Bounds <c>grpc.health.v1.Health/Watch</c>, which needs no token (probes carry none): a probe opened 100,000 watches
/// and took the daemon from 349 to 1,111 MiB. Past <see cref="HealthWatchCounts.MaxPerConnection"/> on one connection
/// or <see cref="HealthWatchCounts.MaxTotal"/> in all, a new watch is refused with RESOURCE_EXHAUSTED; open watches go on.
/// </summary>
public sealed class HealthWatchLimiter(HealthWatchCounts counts) : Interceptor
{
    private const string WatchMethod = "/grpc.health.v1.Health/Watch";

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Method != WatchMethod)
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
            return;
        }
        var connection = context.GetHttpContext().Connection.Id;
        if (counts.TryAcquire(connection) is not { } refusal)
        {
            try
            {
                await continuation(request, responseStream, context).ConfigureAwait(false);
            }
            finally
            {
                counts.Release(connection);
            }
            return;
        }
        throw new RpcException(new Status(StatusCode.ResourceExhausted, refusal));
    }
}

/// <summary>Open Health/Watch calls, per connection and in total, shared by every call of one server.</summary>
public sealed class HealthWatchCounts(int maxPerConnection = HealthWatchCounts.MaxPerConnection, int maxTotal = HealthWatchCounts.MaxTotal)
{
    /// <summary>Watches one connection may hold: 16 (a client watches one service or a few).</summary>
    public const int MaxPerConnection = 16;

    /// <summary>Watches the daemon holds in all: 1,024.</summary>
    public const int MaxTotal = 1024;

    private readonly ConcurrentDictionary<string, int> _perConnection = new(StringComparer.Ordinal);
    private int _total;

    public int Open => Volatile.Read(ref _total);

    /// <summary>Null when a watch may open (and is counted), else why not.</summary>
    public string? TryAcquire(string connection)
    {
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return $"the daemon already holds {maxTotal} Health/Watch calls; close some, or poll Health/Check instead.";
        }
        if (_perConnection.AddOrUpdate(connection, 1, (_, n) => n + 1) > maxPerConnection)
        {
            Release(connection);
            return $"this connection already holds {maxPerConnection} Health/Watch calls; watch each service once.";
        }
        return null;
    }

    public void Release(string connection)
    {
        Interlocked.Decrement(ref _total);
        if (_perConnection.AddOrUpdate(connection, 0, (_, n) => n - 1) <= 0)
        {
            _perConnection.TryRemove(new KeyValuePair<string, int>(connection, 0));
        }
    }
}
