using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Http;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Daemon.WebConsole;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using Grpc.HealthCheck;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Builds and runs the daemon: one Kestrel listener serving every service on Grpc.AspNetCore (Telemetry, Control,
/// Catalogs, Baselines, grpc.health.v1.Health, server reflection), call metrics and auth as interceptors.
/// </summary>
public sealed class DaemonHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DaemonOptions _options;

    private DaemonHost(WebApplication app, DaemonOptions options, HealthServiceImpl health)
    {
        _app = app;
        _options = options;
        Health = health;
    }

    /// <summary>The grpc.health.v1 statuses Health/Watch reports (fed by the health checks; NOT_SERVING on shutdown).</summary>
    public HealthServiceImpl Health { get; }

    /// <summary>The shared services (store, policy, sessions, metrics), for tests and benchmarks.</summary>
    public DaemonContext Context { get; private set; } = null!;

    /// <summary>The /metrics URL, or null when Metrics:Listen is empty.</summary>
    public Uri? MetricsAddress { get; private set; }

    /// <summary>The host's services (e.g. what a caller added through configureServices, such as the built-in model host).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The bound gRPC endpoint (the real port when the setting asked for port 0).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Reads settings from the config file (optional) and the environment, command-line overrides last.</summary>
    public static DaemonOptions LoadOptions(string? configFile, IDictionary<string, string?>? overrides = null) =>
        OptionsLoader.Load(configFile, overrides);

    /// <summary>Starts the daemon alone (model servers connect over Telemetry).</summary>
    public static Task<DaemonHost> StartAsync(DaemonOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, configureServices: null, mapEndpoints: null, cancellationToken);

    /// <summary>
    /// Starts the daemon with what the caller adds to its process (e.g. <c>AddBuiltinModelHost</c>):
    /// <paramref name="configureServices"/> runs before the daemon's own registrations, so its hosted services start
    /// before the store cache's first sync and stop after it; <paramref name="mapEndpoints"/> maps its gRPC services.
    /// </summary>
    public static async Task<DaemonHost> StartAsync(DaemonOptions options, Action<IServiceCollection>? configureServices,
        Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder>? mapEndpoints, CancellationToken cancellationToken = default)
    {
        var endpoint = ListenAddress.Parse(options.Listen, "Listen");
        // Before anything slow (the store, the fixture calibration): a busy port is a one-line error at once.
        ListenProbe.EnsureFree(options);
        if (!Enum.TryParse<LogLevel>(options.LogLevel, ignoreCase: true, out var logLevel))
        {
            throw new DaemonConfigurationException($"LogLevel '{options.LogLevel}' is not a level: use one of {string.Join(", ", Enum.GetNames<LogLevel>())}.");
        }
        var certificate = LoadCertificate(options);
        if (options.Store.DataDirectory == DefaultStoreDirectory)
        {
            options.Store.DataDirectory = options.DataDir;
        }
        var auth = new Authenticator(options.Auth, IPAddress.IsLoopback(endpoint.Address));
        var metricsEndpoint = string.IsNullOrEmpty(options.Metrics.Listen) ? null : ListenAddress.Parse(options.Metrics.Listen, "Metrics:Listen");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddNeuronGuardConsole();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        // JSON transcoding looks for a protobuf descriptor on every mapped service and warns, with a stack trace, at each
        // start about the one that has none by design (Telemetry binds its own marshaller and has no HTTP route).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Grpc.JsonTranscoding.Internal.Binding.JsonTranscodingServiceMethodProvider", LogLevel.Error);
        // One warning per refused connection would let a flood fill the log: RefusedConnectionLog summarises them.
        builder.Logging.AddFilter(RefusedConnectionLog.KestrelConnectionsCategory, LogLevel.Error);
        builder.Services.AddSingleton<RefusedConnectionLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RefusedConnectionLog>());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        var connectionPolicy = new Connections.ConnectionPolicy(options.Connections, TimeSpan.FromSeconds(options.IdleConnectionTimeoutSeconds), ConnectionLimits.Resolve(options.MaxConnections));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ConfigureForGrpc();
            k.Limits.MaxConcurrentConnections = ConnectionLimits.Resolve(options.MaxConnections);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(options.IdleConnectionTimeoutSeconds);
            k.ListenGrpc(endpoint, certificate, configureHttps: https =>
            {
                // A client that opens TLS and never finishes the handshake holds a connection slot for at most this long.
                https.HandshakeTimeout = TimeSpan.FromSeconds(10);
                if (options.TlsClientCa is not null)
                {
                    ClientCertificates.Configure(https, options.TlsClientCa, options.TlsRequireClientCertificate);
                }
            }, configureListen: connectionPolicy.Apply);
            if (metricsEndpoint is not null)
            {
                // The same server, so the same limits: the metrics port has the connection cap and timeouts too.
                k.ListenMetrics(metricsEndpoint, options.Metrics.MaxConnections,
                    () => k.ApplicationServices.GetRequiredService<RefusedConnectionLog>().Refused());
            }
        });
        var metrics = new DaemonMetrics(options.Metrics);
        // The HTTP API needs the admin listener: without Metrics:Listen there is nowhere to serve it.
        bool httpApi = options.Http.Enabled && metricsEndpoint is not null;
        var grpc = builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            o.MaxSendMessageSize = null;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<Connections.HealthWatchLimiter>(new Connections.HealthWatchCounts());
        });
        if (httpApi)
        {
            grpc.AddNeuronGuardHttpApi();
        }
        var shapes = new KnownShapes();
        // Opened before the host is built, owned by the container from then on (disposed after the cache that reads it).
        IStore store;
        try
        {
            store = await StoreFactory.OpenAsync(options.Store).ConfigureAwait(false);
        }
        catch (StoreDataException e)
        {
            // A broken state file is an operator's problem with a known fix: one line, no stack trace (the CLI exits 2).
            throw new DaemonConfigurationException($"cannot open the store: {e.Message}");
        }
        configureServices?.Invoke(builder.Services);
        builder.Services.AddDaemonSingletons(options, metrics, shapes, () => store);
        // Authentication and authorization run as middleware, before gRPC reads a request's body.
        builder.Services.AddNeuronGuardAuth(auth, sp => sp.GetRequiredService<DenialReporter>().Report, certificate is null ? null : options.TlsClientCa);
        // /readyz and gRPC Health read the same ASP.NET Core health checks (DaemonHealthChecks).
        builder.Services.AddDaemonHealthChecks(
            sp => () => Readiness.Reason(sp.GetRequiredService<StoreSync<Catalog, Baseline>>().Health, sp.GetRequiredService<SessionRegistry>()),
            sp => () => sp.GetRequiredService<StoreSync<Catalog, Baseline>>().Health.CanServe);
        if (options.Reflection)
        {
            builder.Services.AddGrpcReflection();
        }
        var app = builder.Build();
        _ = app.Services.GetRequiredService<IStore>(); // from here the container owns (and disposes) the store
        // Before the endpoints: the connection policy counts the streams each gRPC connection carries.
        app.Use(connectionPolicy.TrackStreams);
        // Requests that arrived on the metrics port get only /metrics, /healthz, /readyz and the HTTP API (/v1/...);
        // gRPC endpoints never see them.
        int metricsPort = metricsEndpoint?.Port ?? -1; // port 0: known once bound
        if (metricsEndpoint is not null)
        {
            if (options.Console.Enabled)
            {
                app.MapConsole(port => port == metricsPort);
            }
            app.MapMetrics(metrics.Registry, port => port == metricsPort, servedElsewhere: httpApi ? HttpApi.Owns : null);
        }
        if (httpApi)
        {
            app.UseHttpApiGate(port => port == metricsPort, IPAddress.IsLoopback(metricsEndpoint!.Address), auth.Anonymous);
        }
        app.MapNeuronGuard(options.Reflection, httpApi);
        mapEndpoints?.Invoke(app);

        var logging = app.Services.GetRequiredService<ILoggerFactory>();
        var logger = logging.CreateLogger("NeuronGuard.Daemon");
        DaemonLog.Auth(logger, auth.StartupMessage);
        var host = new DaemonHost(app, options, app.Services.GetRequiredService<HealthServiceImpl>()) ;
        try
        {
            if (store.OpenWarning is { } openWarning)
            {
                DaemonLog.StoreOpenWarning(logger, openWarning);
            }
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (metricsEndpoint is not null && e.Message.Contains($":{metricsEndpoint.Port}", StringComparison.Ordinal))
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw new DaemonConfigurationException(ListenProbe.MetricsBusy(options.Metrics.Listen!, e.Message));
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        host.Context = app.Services.GetRequiredService<DaemonContext>();
        // Addresses come in Listen order: gRPC first, then metrics.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToArray();
        host.Address = BoundAddresses.Connectable(addresses[0]);
        if (metricsEndpoint is not null)
        {
            var metricsBound = addresses[1].TrimEnd('/');
            metricsPort = new Uri(metricsBound).Port;
            host.MetricsAddress = new Uri(BoundAddresses.Connectable(metricsBound), MetricsEndpoint.Path);
            DaemonLog.MetricsListening(logger, metricsBound + MetricsEndpoint.Path);
        }
        DaemonLog.Listening(logger, certificate is null ? "http" : "https", $"{endpoint.Address}:{host.Address.Port}",
            certificate is null ? "cleartext HTTP/2" : "TLS, HTTP/2 by ALPN");
        return host;
    }

    private static readonly string DefaultStoreDirectory = new StoreOptions().DataDirectory;

    /// <summary>Runs until SIGTERM/SIGINT, then stops gracefully within the configured bound.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async Task StopAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ShutdownTimeoutSeconds));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // Stopping raises ApplicationStopping first: in-process clients (the built-in host) close their streams then.
        await StopAsync().ConfigureAwait(false);
        // The container disposes the singletons in reverse order of creation: policy timer, store cache, store.
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static X509Certificate2? LoadCertificate(DaemonOptions options)
    {
        if (options.TlsCertificate is null)
        {
            return null;
        }
        if (options.TlsKey is null)
        {
            throw new DaemonConfigurationException("TlsCertificate is set but TlsKey is not: give the PEM private key file too.");
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(options.TlsKey) & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0)
        {
            // Stderr, not the logger: the logger is built after the certificate; this must not go unseen.
            Console.Error.WriteLine($"warning: TLS key file '{options.TlsKey}' is readable by other users (mode {Convert.ToString((int)File.GetUnixFileMode(options.TlsKey), 8)}): chmod 600 it.");
        }
        var pem = X509Certificate2.CreateFromPemFile(options.TlsCertificate, options.TlsKey);
        // Kestrel needs an exportable key on Linux; re-import from PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
