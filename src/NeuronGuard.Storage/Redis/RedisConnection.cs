using System.Net;
using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// Owns the StackExchange.Redis multiplexer: the only file besides the store that configures the client
/// library. Turns the client's failures into <see cref="StoreUnavailableException"/> messages that say where
/// Redis was expected and what happened to the call (<see cref="RedisErrors"/>).
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly FailureBox _failure;
    private readonly Lock _gate = new();
    private bool _available;

    private RedisConnection(ConnectionMultiplexer multiplexer, RedisStoreOptions options, FailureBox failure)
    {
        _multiplexer = multiplexer;
        _failure = failure;
        Errors = new RedisErrors(string.Join(",", options.EffectiveEndpoints), options);
        Database = multiplexer.GetDatabase(options.Database);
        _available = multiplexer.IsConnected;
        multiplexer.ConnectionFailed += (_, e) => OnConnectionChanged(DescribeFailure(e));
        multiplexer.ConnectionRestored += (_, _) => OnConnectionChanged(null);
    }

    public string Endpoint => Errors.Endpoint;

    public RedisErrors Errors { get; }

    public IDatabase Database { get; }

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    public bool IsAvailable => _multiplexer.IsConnected;

    /// <summary>The last failure the client reported, for messages ("SocketFailure on 127.0.0.1:6390: …").</summary>
    public string? LastFailure => _failure.Last;

    /// <summary>Raised (on a client thread) when <see cref="IsAvailable"/> flips.</summary>
    public event Action<bool>? AvailabilityChanged;

    /// <summary>Connects without throwing when Redis is down (<c>abortConnect=false</c>): the client keeps retrying.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisStoreOptions options)
    {
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds,
            SyncTimeout = (int)options.OperationTimeout.TotalMilliseconds,
            AsyncTimeout = (int)options.OperationTimeout.TotalMilliseconds,
            ConnectRetry = 1,
            KeepAlive = 5,
            // Reconnect promptly after an outage instead of backing off to the default exponential schedule.
            ReconnectRetryPolicy = new LinearRetry(500),
            // A write while Redis is down fails at once and is known NOT applied; the default backlog would hold
            // it until the timeout and leave its outcome unknown.
            BacklogPolicy = BacklogPolicy.FailFast,
            DefaultDatabase = options.Database,
            User = options.User,
            Password = options.Password,
            Ssl = options.Tls,
            SslHost = options.TlsHost,
            ClientName = "neuronguard",
            TieBreaker = "",
        };
        var failure = new FailureBox();
        if (options.Tls)
        {
            RedisTls.Configure(config, options, reason => failure.Last = reason);
        }
        foreach (var endpoint in options.EffectiveEndpoints)
        {
            config.EndPoints.Add(EndPointCollection.TryParse(endpoint)
                ?? throw new ArgumentException($"Store:Redis:Endpoints entry '{endpoint}' is not host:port, e.g. 127.0.0.1:6379", nameof(options)));
        }
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        var connection = new RedisConnection(multiplexer, options, failure);
        return connection;
    }

    /// <summary>
    /// Runs one command and maps its failures (the client's async timeout bounds it). <paramref name="isWrite"/>
    /// decides the outcome wording: a write that never left the client was NOT applied; one cut off in flight is unknown.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command, string area, bool isWrite, CancellationToken cancellationToken)
    {
        // No check of IsConnected first: with BacklogPolicy.FailFast the client refuses a command it cannot send
        // (known NOT applied), and its exception carries the cause (a refused TLS handshake, say).
        try
        {
            var task = command(Database);
            return cancellationToken.CanBeCanceled ? await task.WaitAsync(cancellationToken).ConfigureAwait(false) : await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            throw Errors.Map(e, area, isWrite, LastFailure) ?? (Exception)new InvalidOperationException($"{area}: redis at {Endpoint} failed: {e.Message}", e);
        }
    }

    /// <summary>The client reports a refused certificate as a bare AuthenticationFailure; the validation callback's reason says more.</summary>
    private string DescribeFailure(ConnectionFailedEventArgs e) =>
        e.FailureType == ConnectionFailureType.AuthenticationFailure && _failure.Last is { } tls && tls.StartsWith("TLS", StringComparison.Ordinal)
            ? $"{tls} ({Format(e.EndPoint)})"
            : $"{e.FailureType} on {Format(e.EndPoint)}: {e.Exception?.Message}";

    private static string Format(EndPoint? endpoint) => endpoint switch
    {
        IPEndPoint ip => ip.ToString(),
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        null => "?",
        _ => endpoint.ToString() ?? "?",
    };

    private void OnConnectionChanged(string? failure)
    {
        bool changed;
        bool now;
        lock (_gate)
        {
            if (failure is not null)
            {
                _failure.Last = failure;
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

    public async ValueTask DisposeAsync() => await _multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);

    /// <summary>The last failure, written by client callbacks that run before this object exists (certificate validation).</summary>
    private sealed class FailureBox
    {
        public volatile string? Last;
    }

    /// <summary>For tests and the benchmark: the endpoints as the client resolved them.</summary>
    public EndPoint[] EndPoints => _multiplexer.GetEndPoints();

    /// <summary>For the cluster tests and the benchmark: the multiplexer (server commands, topology).</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer;
}
