using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>redis-server on a <c>tls-port</c> with a private CA: trusted through <c>TlsCaFile</c>; another CA is a clear error.</summary>
public sealed class RedisTlsTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private TlsRedisServer _server = null!;

    public async Task InitializeAsync() => _server = await TlsRedisServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RedisStoreOptions Options(string caFile) => new()
    {
        Endpoints = [_server.Endpoint],
        KeyPrefix = SharedRedis.NewPrefix(),
        Tls = true,
        TlsCaFile = caFile,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public async Task Tls_ServerCertificateFromTheConfiguredCa_PolicyRoundTrips()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options(_server.CaFile) });

        await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");

        Assert.True(store.IsAvailable);
        Assert.Equal("1", (await store.GetPolicyAsync()).Entries["a"]);
    }

    [Fact]
    public async Task Tls_WrongCa_WriteFailsNamingTheEndpointAndTheHandshake()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options(_server.OtherCaFile) });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], "alice"));

        output.WriteLine(error.Message);
        Assert.False(store.IsAvailable);
        Assert.StartsWith($"policy store unavailable: redis at {_server.Endpoint} is unreachable (", error.Message);
        Assert.Contains("TLS: the server certificate 'CN=127.0.0.1' was refused: RemoteCertificateChainErrors", error.Message);
        Assert.Contains($"the CA in Store:Redis:TlsCaFile ({_server.OtherCaFile})", error.Message);
        Assert.EndsWith("the change was NOT applied", error.Message);
    }

    [Fact]
    public async Task Tls_CaFileMissing_OpenFailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options("/nonexistent/ca.crt") }));

        Assert.StartsWith("Store:Redis:TlsCaFile '/nonexistent/ca.crt' does not exist", error.Message);
    }
}
