using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>
/// A Redis ACL user limited to one deployment's keys and channel (<c>~{p}:* &amp;{p}:*</c>): the store works
/// inside its prefix, and a command outside it is refused with a message that names the missing permission.
/// </summary>
public sealed class RedisAclTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string User = "ng-fleet";
    private const string Password = "fleet-s3cret";
    private RedisServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        Assert.Contains("OK", await RedisCli.RunAsync(_server.Port, "acl", "setuser", User, "on", $">{Password}", "~{ng}:*", "&{ng}:*", "+@all", "-@dangerous"));
        Assert.Contains("OK", await RedisCli.RunAsync(_server.Port, "acl", "setuser", "ng-noscript", "on", $">{Password}", "~{ng}:*", "&{ng}:*", "+@all", "-@dangerous", "-@scripting"));
        Assert.Contains("OK", await RedisCli.RunAsync(_server.Port, "acl", "setuser", "ng-nochannel", "on", $">{Password}", "~{other}:*", "&{ng}:*", "+@all", "-@dangerous"));
        Assert.Contains("OK", await RedisCli.RunAsync(_server.Port, "acl", "setuser", "ng-keys", "on", $">{Password}", "~{ng}:*", "&*", "+@all", "-@dangerous"));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private RedisStoreOptions Options(string prefix, string user = User)
    {
        var options = _server.Options(prefix);
        options.User = user;
        options.Password = Password;
        return options;
    }

    [Fact]
    public async Task AclUser_InsideItsPrefix_PolicyAndRecordsRoundTrip()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options("ng") });

        await store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");
        await store.PutRecordAsync(RecordKind.Baseline, "fp", "b1", 1, TestRecords.Baseline(1), "alice");
        await store.ActivateAsync(RecordKind.Baseline, "fp", "b1", "alice");

        Assert.Equal("1", (await store.GetPolicyAsync()).Entries["a"]);
        Assert.Equal("b1", (await store.ProbeAsync()).Active["fp"].BaselineVersion);
    }

    [Fact]
    public async Task AclUser_ChannelOutsideItsPrefix_WriteRefusedNamingTheChannelPermission()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options("other", "ng-nochannel") });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], "alice"));

        output.WriteLine(error.Message);
        Assert.Contains($"redis at {_server.Endpoint} denies ACL user 'ng-nochannel'", error.Message);
        Assert.Contains("can't publish to the channel", error.Message);
        Assert.Contains("'&{other}*'", error.Message);
        Assert.EndsWith("part of the change may have been applied: read the current version before retrying", error.Message);
    }

    [Fact]
    public async Task AclUser_WriteToKeysOutsideItsPrefix_RefusedNamingTheKeyPermissionAndNotApplied()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options("other", "ng-keys") });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], "alice"));

        output.WriteLine(error.Message);
        Assert.Contains("denies ACL user 'ng-keys'", error.Message);
        Assert.Contains("no permissions to access one of the keys", error.Message);
        Assert.Contains("'~{other}*'", error.Message);
        Assert.EndsWith("the change was NOT applied", error.Message);
    }

    [Fact]
    public async Task AclUser_WithoutScripting_WriteRefusedNamingTheCommandAndNotApplied()
    {
        await using var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = Options("ng", "ng-noscript") });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], "alice"));

        output.WriteLine(error.Message);
        Assert.Contains("denies ACL user 'ng-noscript'", error.Message);
        Assert.Matches("no permissions to run the 'eval(sha)?' command", error.Message);
        Assert.EndsWith("the change was NOT applied", error.Message);
        Assert.Equal("", (await RedisCli.RunAsync(_server.Port, "get", "{ng}:policy:version")).Trim());
    }
}
