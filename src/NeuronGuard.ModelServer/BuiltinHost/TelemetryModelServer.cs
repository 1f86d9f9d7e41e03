using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NeuronGuard.Api.V1;
using Grpc.Core;
using NeuronGuard.Client;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// The built-in CPU model host as a Telemetry client, like any other model server: one bidi stream to the daemon
/// multiplexing every request, Hello → Welcome (slots, policy) → PolicyAck, then per request RequestStart,
/// Activations frames (the prefill as one block, then one frame per decode step) and RequestEnd. One reader task
/// dispatches the daemon's Verdict / Attenuate / Abort / StreamError messages to the request they name. When the
/// stream breaks it reconnects with backoff; requests in flight then finish unmonitored and say so in their result,
/// and new requests are refused (<see cref="DaemonUnavailableException"/>) until the next Welcome.
/// </summary>
public sealed partial class TelemetryModelServer : IAsyncDisposable
{
    private readonly TelemetryModelServerOptions _options;
    private readonly ILogger _logger;
    private readonly DaemonClient _daemon;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, HostedRequest> _requests = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _planGate = new(1, 1);
    private readonly TaskCompletionSource _firstWelcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AuthRefusals _refusals;
    private readonly ConcurrentBag<InferenceSession> _sessions = new();
    private volatile SlotPlan _plan = SlotPlan.Empty;
    private volatile TelemetryConnection? _connection;
    private volatile GlobalGains? _global;
    private volatile string? _lastError;
    private long _policyVersion;
    private bool _policyActsAtPrefill;
    private long _globalVersion;
    private int _state;
    private int _pooled;
    private Task? _loop;

    public TelemetryModelServer(ModelHost host, TelemetryModelServerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.DaemonUrl, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
        {
            throw new ArgumentException($"'{options.DaemonUrl}' is not a daemon address: use http://HOST:PORT (or https:// for TLS).", nameof(options));
        }
        Host = host;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _daemon = DaemonClient.Connect(url, options.Token);
        _refusals = new AuthRefusals(options.MaxAuthRefusals, options.DaemonUrl);
    }

    /// <summary>Completes with one line once the daemon refused the credentials <see cref="TelemetryModelServerOptions.MaxAuthRefusals"/> times in a row (the stream then stops).</summary>
    public Task<string> CredentialsRefused => _refusals.GaveUp;

    public ModelHost Host { get; }

    public TelemetryModelServerOptions Options => _options;

    public TelemetryConnectionState State => (TelemetryConnectionState)Volatile.Read(ref _state);

    /// <summary>The policy version last applied and acknowledged (from Welcome or PolicyUpdate).</summary>
    public ulong PolicyVersion => (ulong)Interlocked.Read(ref _policyVersion);

    /// <summary>True while the acked policy has a mode that acts at the prefill verdict (<see cref="ActsAtPrefill"/>).</summary>
    public bool WaitsForPrefillVerdict => Volatile.Read(ref _policyActsAtPrefill);

    /// <summary>The slots requests started now capture (empty when the daemon has no catalog for this model).</summary>
    public IReadOnlyList<NeuronId> Slots => _plan.Slots;

    /// <summary>The catalog version of the current slots.</summary>
    public string CatalogVersion => _plan.CatalogVersion;

    /// <summary>Why the stream last failed, or the daemon's last stream-level error; null when none.</summary>
    public string? LastError => _lastError;

    /// <summary>Requests currently running.</summary>
    public int ActiveRequests => _requests.Count;

    /// <summary>
    /// Opens the stream and waits for the first Welcome. Throws <see cref="DaemonUnavailableException"/> when none
    /// came within <see cref="TelemetryModelServerOptions.ConnectTimeout"/>; it keeps retrying in the background.
    /// Returns early, without a Welcome, once <see cref="CredentialsRefused"/> completed.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the model server is already started.");
        }
        _loop = Task.Run(() => RunLoopAsync(_stop.Token), CancellationToken.None);
        try
        {
            await Task.WhenAny(_firstWelcome.Task, _refusals.GaveUp).WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new DaemonUnavailableException(
                $"no Welcome from the daemon at {_options.DaemonUrl} within {_options.ConnectTimeout.TotalSeconds:0.#} s ({_lastError ?? "no answer"}). " +
                "Check that `neuronguard serve` runs there and, when it has tokens configured, that --token is an ingest token.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _daemon.Dispose();
        while (_sessions.TryTake(out var s))
        {
            s.Dispose();
        }
        _stop.Dispose();
    }

    private void SetState(TelemetryConnectionState state) => Volatile.Write(ref _state, (int)state);

    /// <summary>
    /// Streams until stopped. A stream that fails before its Welcome is retried by the <see cref="ReconnectBackoff"/>
    /// pipeline (exponential delays with jitter); one that breaks after a Welcome starts a fresh pipeline after the first
    /// delay, so a daemon restart costs a healthy host one short wait, not the backoff of its last outage.
    /// </summary>
    private async Task RunLoopAsync(CancellationToken stop)
    {
        var pipeline = ReconnectBackoff.Create(_options.ReconnectDelay, _options.MaxReconnectDelay, (e, delay) =>
        {
            _lastError = e.Message;
            HostLog.StreamBroke(_logger, _options.DaemonUrl, e.Message, delay.TotalMilliseconds);
        }, permanent: e => e is CredentialsRefusedException);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                string reason = await pipeline.ExecuteAsync(async ct => await RunStreamAsync(ct).ConfigureAwait(false), stop).ConfigureAwait(false);
                _lastError = reason;
                HostLog.StreamBroke(_logger, _options.DaemonUrl, reason, _options.ReconnectDelay.TotalMilliseconds);
                await Task.Delay(_options.ReconnectDelay, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (CredentialsRefusedException)
            {
                break;
            }
        }
        SetState(TelemetryConnectionState.Stopped);
    }

    /// <summary>
    /// One Telemetry stream, from Hello until it ends: returns why when it had been welcomed, throws
    /// <see cref="StreamBrokeException"/> (retried with backoff) when it ended before its Welcome.
    /// </summary>
    private async ValueTask<string> RunStreamAsync(CancellationToken stop)
    {
        SetState(_firstWelcome.Task.IsCompleted ? TelemetryConnectionState.Reconnecting : TelemetryConnectionState.Connecting);
        string reason;
        TelemetryConnection? connection = null;
        try
        {
            using var call = _daemon.Telemetry.Stream(cancellationToken: stop);
            connection = new TelemetryConnection(call);
            if (!await connection.SendAsync(Hello("")).ConfigureAwait(false))
            {
                // The write failed; the read below surfaces the status.
            }
            while (await call.ResponseStream.MoveNext(stop).ConfigureAwait(false))
            {
                await DispatchAsync(connection, call.ResponseStream.Current).ConfigureAwait(false);
            }
            reason = "the daemon ended the stream";
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Disconnect(connection);
            throw;
        }
        catch (RpcException ex)
        {
            reason = $"{ex.StatusCode}: {ex.Status.Detail}";
            if (_refusals.GiveUpAfter(ex))
            {
                Disconnect(connection);
                _lastError = reason;
                throw new CredentialsRefusedException(reason);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
        {
            reason = ex.Message;
        }
        Disconnect(connection);
        stop.ThrowIfCancellationRequested();
        return connection?.Welcomed == true ? reason : throw new StreamBrokeException(reason);
    }

    /// <summary>Marks the stream broken and wakes every request started on it (they go on unmonitored).</summary>
    private void Disconnect(TelemetryConnection? connection)
    {
        if (connection is null)
        {
            return;
        }
        connection.MarkBroken();
        Interlocked.CompareExchange(ref _connection, null, connection);
        SetState(TelemetryConnectionState.Reconnecting);
        foreach (var r in _requests.Values)
        {
            if (ReferenceEquals(r.StartedOn, connection))
            {
                r.Inbox.Writer.TryWrite(null);
            }
        }
    }

    private InferenceSession RentSession()
    {
        if (_sessions.TryTake(out var session))
        {
            Interlocked.Decrement(ref _pooled);
            return session;
        }
        return Host.CreateSession();
    }

    private void ReturnSession(InferenceSession session)
    {
        if (Interlocked.Increment(ref _pooled) <= _options.SessionPoolSize)
        {
            _sessions.Add(session);
            return;
        }
        Interlocked.Decrement(ref _pooled);
        session.Dispose();
    }
}
