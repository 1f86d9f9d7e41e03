using System.CommandLine;
using System.Text.Json;
using NeuronGuard.Cli.Commands;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`ctl policy delete`, the JSON audit detail of policy writes, and NOT_FOUND answers without server paths.</summary>
public sealed class CtlPolicyDeleteTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-delete-").FullName;
    private DaemonHost _host = null!;

    private string Server => $"ctl --server {_host.Address}";

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, Model = "none" };
        options.Metrics.Listen = "";
        _host = await ServeHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PolicyDelete_TenantEntry_GlobalStays_SecondDeleteNotFound()
    {
        Assert.Equal(0, (await RunAsync($"{Server} policy set toxicity --mode always --strength 0.5")).Code);
        Assert.Equal(0, (await RunAsync($"{Server} policy set toxicity --mode off --tenant acme")).Code);

        var delete = await RunAsync($"{Server} policy delete toxicity --tenant acme");
        Assert.True(delete.Code == 0, delete.Err);
        Assert.Contains("deleted toxicity (tenant acme)", delete.Out);
        var entries = _host.Context.Policy.Current.Entries;
        Assert.Equal("toxicity/global", Assert.Single(entries).Key);

        var again = await RunAsync($"{Server} policy delete toxicity --tenant acme");
        Assert.Equal(1, again.Code);
        Assert.Contains("NOT_FOUND", again.Err);
        Assert.Contains("it has: global", again.Err);

        Assert.Equal(0, (await RunAsync($"{Server} policy delete toxicity")).Code);
        Assert.Empty(_host.Context.Policy.Current.Entries);
    }

    [Fact]
    public async Task PolicySet_AuditDetailIsJsonOfTheChange()
    {
        var set = await RunAsync($"{Server} policy set backdoor --mode on-flag --strength 0.25 --preset damp --ttl 10m --reason incident-7");
        Assert.True(set.Code == 0, set.Err);
        var audit = await RunAsync($"{Server} audit --limit 1 --json");
        Assert.True(audit.Code == 0, audit.Err);
        using var reply = JsonDocument.Parse(audit.Out);
        var detail = reply.RootElement.GetProperty("entries")[0].GetProperty("detail").GetString()!;
        using var change = JsonDocument.Parse(detail); // the detail itself is JSON, not "policy: set backdoor/global"
        var first = change.RootElement.GetProperty("changes")[0];
        Assert.Equal("set", first.GetProperty("op").GetString());
        Assert.Equal("backdoor/global", first.GetProperty("key").GetString());
        var entry = first.GetProperty("entry");
        Assert.Equal("on_flag", entry.GetProperty("mode").GetString());
        Assert.Equal(0.25, entry.GetProperty("strength").GetDouble());
        Assert.Equal("damp", entry.GetProperty("preset").GetString());
        Assert.Equal("incident-7", entry.GetProperty("reason").GetString());
        Assert.True(entry.GetProperty("expires_at_unix_ms").GetInt64() > 0); // the TTL

        Assert.Equal(0, (await RunAsync($"{Server} policy delete backdoor")).Code);
        var removed = await RunAsync($"{Server} audit --limit 1 --json");
        Assert.Contains("\\\"op\\\":\\\"remove\\\"", removed.Out);
    }

    [Fact]
    public async Task NotFound_DoesNotShowTheServersPaths()
    {
        var activate = await RunAsync($"{Server} catalog activate --model abc123 v-none");
        Assert.Equal(1, activate.Code);
        Assert.Contains("NOT_FOUND", activate.Err);
        Assert.Contains("does not exist", activate.Err);
        Assert.DoesNotContain(_dir, activate.Err);
        Assert.DoesNotContain("/tmp", activate.Err);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string args)
    {
        var root = new RootCommand { CtlCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
