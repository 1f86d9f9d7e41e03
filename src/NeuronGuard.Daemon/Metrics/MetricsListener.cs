using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// The metrics port as a second endpoint of the daemon's own Kestrel: HTTP/1.1, the server's limits (the connection
/// cap, keep-alive and header timeouts) shared with the gRPC port, plus a cap of its own
/// (<see cref="MetricsOptions.MaxConnections"/>) so scrapers cannot crowd out model servers.
/// </summary>
internal static class MetricsListener
{
    public static void ListenMetrics(this KestrelServerOptions kestrel, IPEndPoint endpoint, int maxConnections, Action? onRefused = null)
    {
        kestrel.Listen(endpoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            int open = 0;
            listen.Use(next => async connection =>
            {
                if (Interlocked.Increment(ref open) > maxConnections)
                {
                    // Closed at accept: the descriptor is released at once and the client sees a reset.
                    Interlocked.Decrement(ref open);
                    onRefused?.Invoke();
                    connection.Abort();
                    return;
                }
                try
                {
                    await next(connection).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref open);
                }
            });
        });
    }
}
