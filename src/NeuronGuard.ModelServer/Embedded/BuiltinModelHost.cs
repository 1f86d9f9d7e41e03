using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.BuiltinHost;

namespace NeuronGuard.ModelServer.Embedded;

/// <summary>
/// The built-in model host in the daemon's process: once the host has started (the listener's port may have been 0),
/// it connects to the daemon's own gRPC address as a Telemetry client like any model server and serves
/// Inference.Generate through it. Its stream is closed as soon as shutdown begins, so it never holds the drain.
/// </summary>
public sealed class BuiltinModelHost(IServiceProvider services, IOptions<BuiltinModelHostOptions> options, IHostApplicationLifetime lifetime,
    ILoggerFactory logging) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TelemetryModelServer? _server;
    private Task? _stopping;
    private CancellationTokenRegistration _onStopping;

    /// <summary>The host's Telemetry client once connected; null before, after shutdown began, or with Model "none".</summary>
    public TelemetryModelServer? Server => Volatile.Read(ref _server);

    /// <summary>Completes when the host has its first Welcome (or with Model "none"); faults when it could not connect.</summary>
    public Task Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!options.Value.Enabled)
            {
                _started.TrySetResult();
                return;
            }
            await StartedAsync(stoppingToken).ConfigureAwait(false);
            var model = services.GetRequiredService<BuiltinModel>();
            // An embedded default on loopback needs no token; with tokens configured the host needs an ingest one.
            var server = new TelemetryModelServer(model.Host, new TelemetryModelServerOptions
            {
                DaemonUrl = BoundAddresses.Grpc(services.GetRequiredService<IServer>()).ToString(),
                Token = options.Value.BuiltinHostToken,
                ServerId = $"builtin@{Environment.MachineName}",
                ModelId = model.ModelId,
            }, logging.CreateLogger("NeuronGuard.BuiltinHost"));
            lock (_gate)
            {
                _server = server;
            }
            // Before Kestrel drains: the host's own open stream would otherwise hold shutdown for the whole timeout.
            _onStopping = lifetime.ApplicationStopping.Register(Stop);
            await server.StartAsync(stoppingToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_server == server)
                {
                    services.GetRequiredService<InferenceService>().Server = server;
                }
            }
            _started.TrySetResult();
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Shutdown began while the host was still connecting: nothing failed.
            _started.TrySetCanceled(stoppingToken);
        }
        catch (Exception e)
        {
            // The host cannot serve without its model server: one line, then the whole host stops (the CLI exits 2).
            _started.TrySetException(e);
            HostLog.BuiltinHostFailed(logging.CreateLogger("NeuronGuard.BuiltinHost"), e.Message.ReplaceLineEndings(" "));
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_stopping is { } stopping)
        {
            try
            {
                await stopping.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The host's grace period ran out, or the stream was already torn down with the listener: stop anyway.
            }
        }
    }

    public override void Dispose()
    {
        _onStopping.Dispose();
        base.Dispose();
    }

    /// <summary>Begins closing the host's stream without waiting (on ApplicationStopping); <see cref="StopAsync"/> waits.</summary>
    private void Stop()
    {
        TelemetryModelServer? server;
        lock (_gate)
        {
            server = _server;
            _server = null;
            if (server is not null)
            {
                services.GetRequiredService<InferenceService>().Server = null;
            }
        }
        if (server is not null)
        {
            _stopping = server.DisposeAsync().AsTask();
        }
    }

    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
    }
}
