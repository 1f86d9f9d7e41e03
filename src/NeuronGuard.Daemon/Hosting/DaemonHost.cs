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
using NeuronGuard.Grpc;
using NeuronGuard.Grpc.Health;
using ServingStatus = NeuronGuard.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Builds and runs the daemon: one Kestrel gRPC listener with the registered services and Health.
/// </summary>
public sealed class DaemonHost : IAsyncDisposable
{
    /// <summary>Services reported through Health besides the server as a whole ("").</summary>
    private static readonly string[] ReportedServices = ["neuronguard.v1.Telemetry", "neuronguard.v1.Control"];

    private readonly WebApplication _app;
    private readonly DaemonOptions _options;

    private DaemonHost(WebApplication app, DaemonOptions options, HealthService health)
    {
        _app = app;
        _options = options;
        Health = health;
    }

    public HealthService Health { get; }

    /// <summary>The bound gRPC endpoint (the real port when the setting asked for port 0).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Reads settings from the config file (optional) and the environment, command-line overrides last.</summary>
    public static DaemonOptions LoadOptions(string? configFile, IDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new DaemonConfigurationException($"Config file '{configFile}' does not exist.");
            }
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        builder.AddEnvironmentVariables("NEURONGUARD__");
        var config = builder.Build();
        var options = new DaemonOptions();
        config.GetSection(DaemonOptions.Section).Bind(options);
        // Environment variables NEURONGUARD__LISTEN map to the root, not the section.
        config.Bind(options);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is not null)
            {
                typeof(DaemonOptions).GetProperty(key)!.SetValue(options, Convert.ChangeType(value, typeof(DaemonOptions).GetProperty(key)!.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return options;
    }

    public static async Task<DaemonHost> StartAsync(DaemonOptions options, CancellationToken cancellationToken = default)
    {
        var endpoint = ListenAddress.Parse(options.Listen, "Listen");
        var certificate = LoadCertificate(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(Enum.Parse<LogLevel>(options.LogLevel, ignoreCase: true));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ConfigureForGrpc();
            k.ListenGrpc(endpoint, certificate);
        });
        var app = builder.Build();

        var health = new HealthService();
        var registry = new GrpcServiceRegistry();
        health.Register(registry);
        app.UseGrpc(registry, new GrpcServerOptions { MaxReceiveMessageSize = options.MaxReceiveMessageSize });

        var host = new DaemonHost(app, options, health);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("NeuronGuard.Daemon");
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() =>
        {
            // Report NOT_SERVING first so load balancers and watchers stop sending new work.
            SetAll(health, ServingStatus.NotServing);
            DaemonLog.Stopping(logger, options.ShutdownTimeoutSeconds);
        });
        lifetime.ApplicationStopped.Register(() => DaemonLog.Stopped(logger));

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Address = new Uri(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        DaemonLog.Listening(logger, certificate is null ? "http" : "https", $"{endpoint.Address}:{host.Address.Port}",
            certificate is null ? "cleartext HTTP/2" : "TLS, HTTP/2 by ALPN");
        SetAll(health, ServingStatus.Serving);
        return host;
    }

    /// <summary>Runs until SIGTERM/SIGINT, then stops gracefully within the configured bound.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async Task StopAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ShutdownTimeoutSeconds));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static void SetAll(HealthService health, ServingStatus status)
    {
        health.SetStatus("", status);
        foreach (var service in ReportedServices)
        {
            health.SetStatus(service, status);
        }
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
        var pem = X509Certificate2.CreateFromPemFile(options.TlsCertificate, options.TlsKey);
        // Kestrel needs an exportable key on Linux; re-import from PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
