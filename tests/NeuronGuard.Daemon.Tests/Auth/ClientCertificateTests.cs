using NeuronGuard.ModelServer;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Auth;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.HealthCheck;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>Mutual TLS: a TLS listener that demands a client certificate issued by the configured CA.</summary>
public sealed class ClientCertificateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-mtls-").FullName;

    [Fact]
    public async Task RequiredClientCertificate_FromTheCa_Accepted_MissingOrForeign_Refused()
    {
        using var ca = TestCertificates.CreateCa("CN=NeuronGuard Test CA");
        using var otherCa = TestCertificates.CreateCa("CN=Some Other CA");
        var caPem = Path.Combine(_dir, "ca.pem");
        await File.WriteAllTextAsync(caPem, ca.ExportCertificatePem());
        using var serverCert = TestCertificates.Issue(ca, "CN=localhost", serverAuth: true);
        using var clientCert = TestCertificates.Issue(ca, "CN=vllm-a", serverAuth: false);
        using var foreignCert = TestCertificates.Issue(otherCa, "CN=intruder", serverAuth: false);

        await using var app = await StartAsync(serverCert, caPem);
        int port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        Assert.Equal(ServingStatus.Serving, await CheckAsync(port, clientCert));
        // The TLS handshake fails, which the client reports as UNAVAILABLE (or INTERNAL, depending on where it breaks).
        var none = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(port, null));
        Assert.NotEqual(StatusCode.OK, none.StatusCode);
        var foreign = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(port, foreignCert));
        Assert.NotEqual(StatusCode.OK, foreign.StatusCode);
    }

    [Fact]
    public async Task Daemon_TlsClientCaSettings_RequireACertificateFromTheCa()
    {
        using var ca = TestCertificates.CreateCa("CN=NeuronGuard Daemon CA");
        using var serverCert = TestCertificates.Issue(ca, "CN=localhost", serverAuth: true);
        using var clientCert = TestCertificates.Issue(ca, "CN=vllm-b", serverAuth: false);
        string caPem = Path.Combine(_dir, "daemon-ca.pem"), certPem = Path.Combine(_dir, "server.pem"), keyPem = Path.Combine(_dir, "server.key");
        await File.WriteAllTextAsync(caPem, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(certPem, serverCert.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPem, serverCert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var daemon = await global::NeuronGuard.Daemon.Hosting.DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = Path.Combine(_dir, "data"), Model = "none", LogLevel = "Warning",
            Metrics = new NeuronGuard.Daemon.Metrics.MetricsOptions { Listen = "" },
            TlsCertificate = certPem, TlsKey = keyPem, TlsClientCa = caPem, TlsRequireClientCertificate = true,
        });
        Assert.Equal("https", daemon.Address.Scheme);
        Assert.Equal(ServingStatus.Serving, await CheckAsync(daemon.Address.Port, clientCert));
        var none = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(daemon.Address.Port, null));
        Assert.NotEqual(StatusCode.OK, none.StatusCode);
    }

    [Fact]
    public void Validate_OnlyTheConfiguredCa()
    {
        using var ca = TestCertificates.CreateCa("CN=CA one");
        using var other = TestCertificates.CreateCa("CN=CA two");
        using var cert = TestCertificates.Issue(ca, "CN=client", serverAuth: false);
        Assert.True(ClientCertificates.Validate(cert, [X509CertificateLoader.LoadCertificate(ca.RawData)]));
        Assert.False(ClientCertificates.Validate(cert, [X509CertificateLoader.LoadCertificate(other.RawData)]));
    }

    [Fact]
    public void MissingCaFile_ClearError()
    {
        var ex = Assert.Throws<AuthConfigurationException>(() => ClientCertificates.CreateValidator(Path.Combine(_dir, "nope.pem")));
        Assert.Contains("TlsClientCa", ex.Message);
    }

    private static async Task<ServingStatus> CheckAsync(int port, X509Certificate2? clientCert)
    {
        // The server side is what this test checks, so any server certificate is accepted.
        using var channel = NeuronGuard.Client.DaemonChannel.Create(new Uri($"https://localhost:{port}"), (_, _, _, _) => true, clientCert);
        var reply = await channel.AsyncUnaryCall(HealthMethods.Check, new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20)));
        return reply.Status;
    }

    private static async Task<WebApplication> StartAsync(X509Certificate2 serverCert, string caPem)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        health.SetStatus("", ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        builder.WebHost.ConfigureKestrel(k =>
        {
            global::NeuronGuard.Daemon.Hosting.KestrelSetup.ConfigureForGrpc(k);
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = serverCert;
                    ClientCertificates.Configure(https, caPem, require: true);
                });
            });
        });
        var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        return app;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
