using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>
/// The client-certificate authentication scheme on the real daemon (TLS, TlsClientCa, certificates optional): a
/// certificate from the CA names the caller when no token does, but grants no role; tokens still decide roles.
/// </summary>
public sealed class CertificateSchemeTests : IDisposable
{
    private static readonly string Operator = TokenHasher.NewToken();
    private static readonly string Viewer = TokenHasher.NewToken();
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-cert-scheme-").FullName;
    private readonly X509Certificate2 _ca = TestCertificates.CreateCa("CN=NeuronGuard Scheme CA");
    private readonly X509Certificate2 _client;

    public CertificateSchemeTests() => _client = TestCertificates.Issue(_ca, "CN=vllm-a", serverAuth: false);

    [Fact]
    public async Task WithTokens_CertificateAlone_Unauthenticated_TokenDecidesRoleAndCaller()
    {
        await using var daemon = await StartAsync(withTokens: true);
        var alone = await Assert.ThrowsAsync<RpcException>(() => SetAsync(daemon, _client, token: null));
        // A certificate authenticates the connection but carries no role: the call needs a token, it is not forbidden.
        Assert.Equal(StatusCode.Unauthenticated, alone.StatusCode);
        Assert.Contains("needs a bearer token", alone.Status.Detail);
        var viewer = await Assert.ThrowsAsync<RpcException>(() => SetAsync(daemon, _client, Viewer));
        Assert.Equal(StatusCode.PermissionDenied, viewer.StatusCode);
        Assert.Contains("token 'bob'", viewer.Status.Detail);
        Assert.Equal("alice", await SetAsync(daemon, _client, Operator));
        Assert.Equal("alice", await SetAsync(daemon, null, Operator, MitigationMode.Shadow));
    }

    [Fact]
    public async Task WithoutTokens_TheCertificateNamesTheCaller()
    {
        await using var daemon = await StartAsync(withTokens: false);
        Assert.Equal(ClientCertificateScheme.CallerPrefix + "vllm-a", await SetAsync(daemon, _client, token: null));
        // A different mode: an unchanged entry keeps the caller that last changed it.
        Assert.Equal(Authenticator.AnonymousCaller, await SetAsync(daemon, null, token: null, MitigationMode.Shadow));
    }

    /// <summary>Sets a mitigation and returns who the daemon recorded as having set it.</summary>
    private static async Task<string> SetAsync(DaemonHost daemon, X509Certificate2? clientCert, string? token, MitigationMode mode = MitigationMode.Always)
    {
        // The server side is what this test checks, so any server certificate is accepted.
        using var channel = NeuronGuard.Client.DaemonChannel.Create(new Uri($"https://localhost:{daemon.Address.Port}"), (_, _, _, _) => true, clientCert);
        var reply = await channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "toxicity", Mode = mode },
            new CallOptions(headers: BuiltinHostMethods.BearerHeaders(token), deadline: DateTime.UtcNow.AddSeconds(30)));
        return Assert.Single(reply.Policy.Mitigations, m => m.Set == "toxicity").UpdatedBy;
    }

    private async Task<DaemonHost> StartAsync(bool withTokens)
    {
        using var server = TestCertificates.Issue(_ca, "CN=localhost", serverAuth: true);
        var dir = Directory.CreateDirectory(Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8])).FullName;
        var (ca, cert, key) = TestCertificates.WritePem(dir, _ca, server);
        var options = new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = Path.Combine(dir, "data"), Model = "none", LogLevel = "Warning",
            TlsCertificate = cert, TlsKey = key, TlsClientCa = ca, TlsRequireClientCertificate = false,
        };
        options.Metrics.Listen = "";
        if (withTokens)
        {
            options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(Operator), Roles = ["operator"] });
            options.Auth.Tokens.Add(new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(Viewer), Roles = ["viewer"] });
        }
        return await DaemonHost.StartAsync(options);
    }

    public void Dispose()
    {
        _client.Dispose();
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
