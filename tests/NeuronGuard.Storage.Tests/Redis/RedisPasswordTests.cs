using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>A Redis with <c>requirepass</c>: the password setting reaches AUTH, and a wrong one is reported, not hidden.</summary>
public sealed class RedisPasswordTests : IAsyncLifetime
{
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync(password: "s3cret");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Password_Correct_PolicyRoundTrips()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = _server.Options("ng") });

        await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");

        Assert.Equal("1", (await store.GetPolicyAsync()).Entries["a"]);
    }

    [Fact]
    public async Task Password_Wrong_WriteFailsUnavailableAndNotApplied()
    {
        var options = _server.Options("ng");
        options.Password = "wrong";
        options.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = options });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], "alice"));

        Assert.False(store.IsAvailable);
        Assert.Contains($"redis at {_server.Endpoint} is unreachable", error.Message);
        Assert.Contains("NOT applied", error.Message);
    }
}
