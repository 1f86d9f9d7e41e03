using System.Net;
using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// Owns the StackExchange.Redis 1.2.6 multiplexer: the only file besides the store that knows the client
/// library, so an upgrade touches this folder only. Turns the client's failures into
/// <see cref="StoreUnavailableException"/> messages that say where Redis was expected and what happened to the call.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly TimeSpan _operationTimeout;
    private readonly Timer _watch;
    private bool _available;

    private RedisConnection(ConnectionMultiplexer multiplexer, RedisStoreOptions options)
    {
        _multiplexer = multiplexer;
        _operationTimeout = options.OperationTimeout;
        Endpoint = string.Join(",", options.Endpoints);
        Database = multiplexer.GetDatabase(options.Database);
        _available = multiplexer.IsConnected;
        multiplexer.ConnectionFailed += (_, e) => OnConnectionChanged(e.Exception?.Message ?? e.FailureType.ToString());
        multiplexer.ConnectionRestored += (_, _) => OnConnectionChanged(null);
        // 1.2.6 raises no ConnectionRestored when the first connection succeeds only after a failed start
        // (seen in RedisOutageTests), so availability is also polled; the check is a field read.
        _watch = new Timer(_ => OnConnectionChanged(null), null, WatchInterval, WatchInterval);
    }

    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(250);

    public string Endpoint { get; }

    public IDatabase Database { get; }

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    public bool IsAvailable => _multiplexer.IsConnected;

    /// <summary>The last failure the client reported, for messages ("SocketFailure on 127.0.0.1:6390/Interactive …").</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Raised (on a client thread) when <see cref="IsAvailable"/> flips.</summary>
    public event Action<bool>? AvailabilityChanged;

    /// <summary>Connects without throwing when Redis is down (<c>abortConnect=false</c>): the client keeps retrying.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisStoreOptions options)
    {
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("Store:Redis:Endpoints is empty; give at least one host:port, e.g. 127.0.0.1:6379", nameof(options));
        }
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds,
            SyncTimeout = (int)options.OperationTimeout.TotalMilliseconds,
            ResponseTimeout = (int)options.OperationTimeout.TotalMilliseconds,
            ConnectRetry = 1,
            KeepAlive = 5,
            // Reconnect promptly after an outage instead of backing off to the default exponential schedule.
            ReconnectRetryPolicy = new LinearRetry(500),
            DefaultDatabase = options.Database,
            Password = options.Password,
            Ssl = options.Tls,
            SslHost = options.TlsHost,
            ClientName = "neuronguard",
            TieBreaker = "",
        };
        foreach (var endpoint in options.Endpoints)
        {
            config.EndPoints.Add(endpoint);
        }
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        var connection = new RedisConnection(multiplexer, options);
        if (!multiplexer.IsConnected)
        {
            connection.LastFailure = "no connection could be made within the connect timeout";
        }
        return connection;
    }

    /// <summary>
    /// Runs one command with the operation timeout and maps connection failures. <paramref name="isWrite"/> decides
    /// the outcome wording: a write that never left the client was NOT applied; one cut off in flight is unknown.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, string area, bool isWrite, CancellationToken cancellationToken)
    {
        if (isWrite && !_multiplexer.IsConnected)
        {
            throw Unavailable(area, LastFailure ?? "not connected", Outcome.NotApplied, null);
        }
        try
        {
            return await command(Database).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            var neverSent = e.FailureType == ConnectionFailureType.UnableToResolvePhysicalConnection || e.CommandStatus == CommandStatus.WaitingToBeSent;
            throw Unavailable(area, e.Message, !isWrite ? Outcome.Read : neverSent ? Outcome.NotApplied : Outcome.Unknown, e);
        }
        catch (Exception e) when (e is TimeoutException or RedisTimeoutException)
        {
            throw Unavailable(area, $"no answer within {_operationTimeout.TotalSeconds:0.#} s", isWrite ? Outcome.Unknown : Outcome.Read, e);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOAUTH", StringComparison.Ordinal) || e.Message.Contains("WRONGPASS", StringComparison.Ordinal))
        {
            throw new StoreUnavailableException($"{area} unavailable: redis at {Endpoint} refused the password ({e.Message}); check Store:Redis:Password", e);
        }
    }

    private enum Outcome { Read, NotApplied, Unknown }

    private StoreUnavailableException Unavailable(string area, string reason, Outcome outcome, Exception? inner)
    {
        var tail = outcome switch
        {
            Outcome.NotApplied => "; the change was NOT applied",
            Outcome.Unknown => "; the connection broke mid-call, so the change may or may not have been applied: read the current version before retrying",
            _ => "",
        };
        return new StoreUnavailableException($"{area} unavailable: redis at {Endpoint} is unreachable ({reason}){tail}", inner);
    }

    private void OnConnectionChanged(string? failure)
    {
        bool changed;
        bool now;
        lock (_watch)
        {
            if (failure is not null)
            {
                LastFailure = failure;
            }
            now = _multiplexer.IsConnected;
            changed = now != _available;
            _available = now;
        }
        if (changed)
        {
            AvailabilityChanged?.Invoke(now);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _watch.DisposeAsync().ConfigureAwait(false);
        await _multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
    }

    /// <summary>For tests and the benchmark: the endpoints as the client resolved them.</summary>
    public EndPoint[] EndPoints => _multiplexer.GetEndPoints();
}
