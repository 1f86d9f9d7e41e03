using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>
/// Connection-level defences Kestrel lacks. Kestrel's keep-alive timeout is reset by every HTTP/2 PING, so a probe that
/// pinged every 10 s held all 672 connection slots for 61 s against a 15 s timeout while every new client was refused.
/// Here a connection's idleness is measured in streams: one that carries no stream for the idle timeout is closed
/// (GOAWAY, then abort) however much it pings. Also: at most <see cref="ConnectionPolicyOptions.MaxConnectionsPerAddress"/>
/// per source address, and an optional maximum age with a grace period. A Kestrel connection middleware
/// (<see cref="Apply"/>) sees each connection; an HTTP middleware (<see cref="TrackStreams"/>) counts its streams.
/// </summary>
public sealed class ConnectionPolicy
{
    private readonly ConcurrentDictionary<string, TrackedConnection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly TimeSpan _idle;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _grace;
    private readonly long _maxPerAddress;
    private readonly TimeProvider _time;
    private long _closedIdle, _closedAge, _refusedPerAddress;

    public ConnectionPolicy(ConnectionPolicyOptions options, TimeSpan idleTimeout, long maxConnections, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxConnectionsPerAddress < 0 || options.MaxConnectionAgeSeconds < 0 || options.MaxConnectionAgeGraceSeconds < 0)
        {
            throw new DaemonConfigurationException("Connections: MaxConnectionsPerAddress, MaxConnectionAgeSeconds and MaxConnectionAgeGraceSeconds must be 0 or more.");
        }
        _idle = idleTimeout;
        _maxAge = TimeSpan.FromSeconds(options.MaxConnectionAgeSeconds);
        _grace = TimeSpan.FromSeconds(options.MaxConnectionAgeGraceSeconds);
        _maxPerAddress = options.MaxConnectionsPerAddress > 0 ? options.MaxConnectionsPerAddress : Math.Max(16, maxConnections / 2);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Connections closed for carrying no stream for the idle timeout.</summary>
    public long ClosedIdle => Interlocked.Read(ref _closedIdle);

    /// <summary>Connections closed for reaching the maximum age.</summary>
    public long ClosedAge => Interlocked.Read(ref _closedAge);

    /// <summary>Connections refused because their source address held its limit.</summary>
    public long RefusedPerAddress => Interlocked.Read(ref _refusedPerAddress);

    /// <summary>Adds the connection middleware to a listener (before TLS: a refused address costs no handshake).</summary>
    public void Apply(ListenOptions listen) => listen.Use(next => connection => HandleAsync(connection, next));

    /// <summary>HTTP middleware: counts the streams (requests) each connection carries.</summary>
    public async Task TrackStreams(HttpContext context, RequestDelegate next)
    {
        if (!_connections.TryGetValue(context.Connection.Id, out var tracked))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        tracked.StreamStarted();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            tracked.StreamEnded(_time.GetUtcNow());
        }
    }

    private async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (address is not null && _perAddress.AddOrUpdate(address, 1, (_, n) => n + 1) > _maxPerAddress)
        {
            Release(address);
            Interlocked.Increment(ref _refusedPerAddress);
            connection.Abort(new ConnectionAbortedException($"{address} holds {_maxPerAddress} connections already (Connections:MaxConnectionsPerAddress)"));
            return;
        }
        var tracked = new TrackedConnection(_time.GetUtcNow());
        _connections[connection.ConnectionId] = tracked;
        using var stop = new CancellationTokenSource();
        var watchdog = WatchAsync(connection, tracked, stop.Token);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            _connections.TryRemove(connection.ConnectionId, out _);
            if (address is not null)
            {
                Release(address);
            }
        }
    }

    private void Release(IPAddress address)
    {
        if (_perAddress.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
        {
            _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    /// <summary>Checks the connection a few times per idle period; closing is GOAWAY first, abort if it lingers.</summary>
    private async Task WatchAsync(ConnectionContext connection, TrackedConnection tracked, CancellationToken stop)
    {
        var tick = TimeSpan.FromTicks(Math.Clamp(_idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond));
        using var timer = new PeriodicTimer(tick, _time);
        DateTimeOffset? closeAsked = null;
        var lingering = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                if (closeAsked is { } asked)
                {
                    if (now - asked >= lingering)
                    {
                        connection.Abort(new ConnectionAbortedException("closed by the connection policy"));
                        return;
                    }
                    continue;
                }
                if (tracked.IsIdleSince(now, _idle))
                {
                    Interlocked.Increment(ref _closedIdle);
                    (closeAsked, lingering) = (now, TimeSpan.FromSeconds(1)); // no stream to wait for
                    RequestClose(connection);
                }
                else if (_maxAge > TimeSpan.Zero && now - tracked.OpenedAt >= _maxAge)
                {
                    Interlocked.Increment(ref _closedAge);
                    (closeAsked, lingering) = (now, _grace);
                    RequestClose(connection);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    private static void RequestClose(ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            lifetime.RequestClose(); // HTTP/2 GOAWAY: in-flight streams finish, clients reconnect
        }
        else
        {
            connection.Abort(new ConnectionAbortedException("closed by the connection policy"));
        }
    }
}
