using System.CommandLine;
using NeuronGuard.Api.V1;
using NeuronGuard.Cli.Commands;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`ctl policy set` patches the entry (issue 24 item 7): flags not given keep their values; --no-ttl clears the expiry; deletes are audited as deletes.</summary>
public sealed class CtlPolicyPatchTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-patch-").FullName;
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

    private Mitigation Entry(string set, string tenant = "") =>
        _host.Context.Policy.Current.Entries.Select(e => e.ToProto()).Single(m => m.Set == set && m.Tenant == tenant);

    [Fact]
    public async Task PolicySet_ModeOnly_KeepsPresetTopKStrengthAndExpiry()
    {
        var first = await RunAsync($"{Server} policy set backdoor --mode on-flag --preset det0 --top-k 10 --strength 0.5 --ttl 10m");
        Assert.True(first.Code == 0, first.Err);
        long expiry = Entry("backdoor").ExpiresAtUnixMs;
        Assert.True(expiry > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        var second = await RunAsync($"{Server} policy set backdoor --mode abort");
        Assert.True(second.Code == 0, second.Err);
        var entry = Entry("backdoor");
        Assert.Equal(MitigationMode.Abort, entry.Mode);
        Assert.Equal(GainPreset.Det0, entry.Preset);
        Assert.Equal(10u, entry.TopK);
        Assert.Equal(0.5f, entry.Strength);
        // The temporary mitigation stays temporary: the same expiry, to the second (never later).
        Assert.InRange(entry.ExpiresAtUnixMs, expiry - 2_000, expiry + 1_000);

        var cleared = await RunAsync($"{Server} policy set backdoor --no-ttl");
        Assert.True(cleared.Code == 0, cleared.Err);
        entry = Entry("backdoor");
        Assert.Equal(0, entry.ExpiresAtUnixMs);
        Assert.Equal(MitigationMode.Abort, entry.Mode);
        var row = cleared.Out.Split('\n').Single(l => l.StartsWith("backdoor", StringComparison.Ordinal));
        Assert.Contains("never", row);
    }

    [Fact]
    public async Task PolicySet_NewEntryDefaultsToPaperAura_AuraTopKKeptUntilThePresetChanges()
    {
        var first = await RunAsync($"{Server} policy set toxicity --mode on-flag");
        Assert.True(first.Code == 0, first.Err);
        var entry = Entry("toxicity");
        Assert.Equal(GainPreset.Aura, entry.Preset);
        Assert.Equal(1f, entry.Strength);
        Assert.Equal(0u, entry.TopK);

        var cut = await RunAsync($"{Server} policy set toxicity --top-k 5");
        Assert.True(cut.Code == 0, cut.Err);
        Assert.Contains("aura(top 5)", cut.Out.Split('\n').Single(l => l.StartsWith("toxicity", StringComparison.Ordinal)));
        var kept = await RunAsync($"{Server} policy set toxicity --mode always");
        Assert.True(kept.Code == 0, kept.Err);
        Assert.Equal(5u, Entry("toxicity").TopK);

        var damp = await RunAsync($"{Server} policy set toxicity --preset damp --strength 0.5");
        Assert.True(damp.Code == 0, damp.Err);
        Assert.Equal(0u, Entry("toxicity").TopK);
    }

    [Fact]
    public async Task PolicySet_NewEntryWithoutMode_UsageError_TtlAndNoTtl_UsageError()
    {
        var noMode = await RunAsync($"{Server} policy set safety --strength 0.5 --tenant acme");
        Assert.Equal(2, noMode.Code);
        Assert.Contains("safety has no tenant acme entry yet: give --mode", noMode.Err);

        var both = await RunAsync($"{Server} policy set safety --mode off --ttl 5m --no-ttl");
        Assert.Equal(2, both.Code);
        Assert.Contains("--ttl and --no-ttl", both.Err);
    }

    [Fact]
    public async Task PolicySet_StaleExpectVersion_RefusedNothingChanged()
    {
        Assert.Equal(0, (await RunAsync($"{Server} policy set toxicity --mode shadow")).Code);
        long version = _host.Context.Policy.Current.Version;
        var stale = await RunAsync($"{Server} policy set toxicity --mode always --expect-version {version - 1}");
        Assert.Equal(1, stale.Code);
        Assert.Contains("ABORTED", stale.Err);
        Assert.Equal(MitigationMode.Shadow, Entry("toxicity").Mode);
    }

    [Fact]
    public async Task PolicyDelete_AuditedAsPolicyDelete()
    {
        Assert.Equal(0, (await RunAsync($"{Server} policy set coverage --mode shadow")).Code);
        Assert.Equal(0, (await RunAsync($"{Server} policy delete coverage")).Code);
        var audit = await RunAsync($"{Server} audit --limit 2");
        Assert.True(audit.Code == 0, audit.Err);
        var lines = audit.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("policy.delete") && l.Contains("coverage"));
        Assert.Contains(lines, l => l.Contains("policy.set") && l.Contains("coverage"));
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
