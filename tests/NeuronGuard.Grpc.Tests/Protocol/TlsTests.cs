using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NeuronGuard.Grpc.Client;
using NeuronGuard.Grpc.Health;
using NeuronGuard.Grpc.Health.V1;

namespace NeuronGuard.Grpc.Tests.Protocol;

/// <summary>The same transport over TLS: HTTP/2 negotiated by ALPN, certificate checked by the client.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Call_OverTlsWithTrustedCertificate_Succeeds()
    {
        using var certificate = CreateSelfSigned();
        var health = new HealthService();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        var registry = new GrpcServiceRegistry();
        health.Register(registry);
        await using var server = await GrpcServerHost.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0), certificate: certificate);

        var thumbprint = certificate.Thumbprint;
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{server.Port}", new GrpcChannelOptions
        {
            ServerCertificateValidation = (_, cert, _, _) => cert is X509Certificate2 c && c.Thumbprint == thumbprint,
        });
        var response = await channel.AsyncUnaryCall(HealthService.CheckMethod, new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Call_OverTlsWithUntrustedCertificate_Unavailable()
    {
        using var certificate = CreateSelfSigned();
        var registry = new GrpcServiceRegistry();
        new HealthService().Register(registry);
        await using var server = await GrpcServerHost.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0), certificate: certificate);

        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{server.Port}");
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.AsyncUnaryCall(HealthService.CheckMethod, new HealthCheckRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
