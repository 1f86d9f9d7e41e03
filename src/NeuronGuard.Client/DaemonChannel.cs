using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace NeuronGuard.Client;

/// <summary>
/// Every NeuronGuard client channel (ctl, generate, the built-in host's Telemetry stream) made the same way on
/// Grpc.Net.Client: h2c for http://, TLS with ALPN for https://, HTTP/2 keepalive pings so a dead peer is noticed on an
/// idle stream, reconnect backoff, and retries for the idempotent reads only (<see cref="RetriedReads"/>).
/// </summary>
public static class DaemonChannel
{
    /// <summary>Methods that read and change nothing, so a call that found no server (UNAVAILABLE) is retried.</summary>
    public static readonly string[] RetriedReads =
    [
        "neuronguard.v1.Control/GetPolicy", "neuronguard.v1.Control/ListFlagged", "neuronguard.v1.Control/GetAudit",
        "neuronguard.v1.Catalogs/GetCatalog", "neuronguard.v1.Catalogs/ListCatalogs", "neuronguard.v1.Baselines/GetBaseline", "neuronguard.v1.Baselines/ListBaselines",
        "grpc.health.v1.Health/Check",
    ];

    /// <summary>A channel to <paramref name="address"/>; the caller disposes it.</summary>
    /// <param name="serverCertificateValidation">For https: a check of the server certificate; null for the platform's.</param>
    /// <param name="clientCertificate">For https: a certificate for mutual TLS; null for none.</param>
    public static GrpcChannel Create(Uri address, RemoteCertificateValidationCallback? serverCertificateValidation = null,
        X509Certificate2? clientCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"gRPC address '{address}' must start with http:// (cleartext HTTP/2) or https:// (TLS).", nameof(address));
        }
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            UseProxy = false,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // Pings on quiet connections too: a Telemetry stream can idle for minutes between requests.
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            // Matches the daemon's 2 MiB stream window, so 16 KiB frames flow without waiting for WINDOW_UPDATE.
            InitialHttp2StreamWindowSize = 2 * 1024 * 1024,
        };
        if (serverCertificateValidation is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = serverCertificateValidation;
        }
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
            ServiceConfig = new ServiceConfig { MethodConfigs = { ReadRetries() } },
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(200),
            MaxReconnectBackoff = TimeSpan.FromSeconds(5),
        });
    }

    /// <summary>Request headers carrying <c>authorization: Bearer TOKEN</c>, or null without a token.</summary>
    public static Metadata? Bearer(string? token) =>
        string.IsNullOrWhiteSpace(token) ? null : new Metadata { { "authorization", "Bearer " + token.Trim() } };

    private static MethodConfig ReadRetries()
    {
        var config = new MethodConfig
        {
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(2),
                BackoffMultiplier = 2,
                RetryableStatusCodes = { StatusCode.Unavailable },
            },
        };
        foreach (var path in RetriedReads)
        {
            int slash = path.IndexOf('/', StringComparison.Ordinal);
            config.Names.Add(new MethodName { Service = path[..slash], Method = path[(slash + 1)..] });
        }
        return config;
    }
}
