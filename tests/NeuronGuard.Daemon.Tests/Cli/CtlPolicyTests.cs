using NeuronGuard.ModelServer;
using System.CommandLine;
using NeuronGuard.Cli.Commands;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`neuronguard ctl policy|audit|flagged` against the real daemon (DaemonHost, no built-in model).</summary>
public sealed class CtlPolicyTests : IAsyncLifetime
{
    private static readonly string OperatorToken = TokenHasher.NewToken();
    private static readonly string ViewerToken = TokenHasher.NewToken();
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-policy-").FullName;
    private DaemonHost _host = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, Model = "none" };
        options.Metrics.Listen = "";
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(OperatorToken), Roles = ["operator"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(ViewerToken), Roles = ["viewer"] });
        _host = await ServeHost.StartAsync(options);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PolicySetThenGet_AttributedAndAudited_ViewerRefused()
    {
        string server = $"--server {_host.Address}";
        var set = await RunAsync($"ctl {server} --token {OperatorToken} policy set toxicity --mode on-flag --strength 0.5 --preset aura --ttl 10m --reason test-run");
        Assert.True(set.Code == 0, set.Err);
        Assert.Matches(@"policy is now at version \d+", set.Out);

        var get = await RunAsync($"ctl {server} --token {ViewerToken} policy get");
        Assert.True(get.Code == 0, get.Err);
        var row = get.Out.Split('\n').Single(l => l.StartsWith("toxicity", StringComparison.Ordinal));
        Assert.Contains("global", row);
        Assert.Contains("on-flag", row);
        Assert.Contains("0.5", row);
        Assert.Contains("aura", row);
        Assert.Contains("alice", row);
        Assert.DoesNotContain("never", row); // the TTL set an expiry
        Assert.Contains("no model servers connected", get.Out);

        var json = await RunAsync($"ctl {server} --token {ViewerToken} policy get --json");
        Assert.Contains("\"mode\": \"MITIGATION_MODE_ON_FLAG\"", json.Out);

        var denied = await RunAsync($"ctl {server} --token {ViewerToken} policy set toxicity --mode off");
        Assert.Equal(1, denied.Code);
        Assert.StartsWith("error: PERMISSION_DENIED: ", denied.Err);

        var audit = await RunAsync($"ctl {server} --token {ViewerToken} audit --limit 5");
        Assert.True(audit.Code == 0, audit.Err);
        Assert.Contains(audit.Out.Split('\n'), l => l.Contains("alice") && l.Contains("policy.set"));

        var flagged = await RunAsync($"ctl {server} --token {ViewerToken} flagged --limit 10");
        Assert.True(flagged.Code == 0, flagged.Err);
        Assert.StartsWith("FLAGGED AT", flagged.Out);
    }

    [Theory]
    [InlineData("5x")]
    [InlineData("10 minutes")]
    [InlineData("-5m")]
    public async Task PolicySet_BadTtl_UsageErrorExit2(string ttl)
    {
        var set = await RunAsync($"ctl --server {_host.Address} --token {OperatorToken} policy set toxicity --mode on-flag --ttl \"{ttl}\"");
        Assert.Equal(2, set.Code);
        Assert.Contains("is not a duration", set.Err);
    }

    [Fact]
    public async Task PolicySet_StrengthZero_RefusedNotFullStrength()
    {
        var set = await RunAsync($"ctl --server {_host.Address} --token {OperatorToken} policy set toxicity --mode on-flag --strength 0");
        Assert.Equal(1, set.Code);
        Assert.Contains("INVALID_ARGUMENT", set.Err);
        Assert.Contains("would attenuate nothing", set.Err);
    }

    [Fact]
    public async Task PolicySet_SameTwice_SecondSaysUnchanged()
    {
        string args = $"ctl --server {_host.Address} --token {OperatorToken} policy set backdoor --mode always --strength 0.25";
        var first = await RunAsync(args);
        Assert.True(first.Code == 0, first.Err);
        var version = System.Text.RegularExpressions.Regex.Match(first.Out, @"policy is now at version (\d+)").Groups[1].Value;
        var second = await RunAsync(args);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains($"unchanged: backdoor already has this setting; the policy stays at version {version}", second.Out);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string args)
    {
        var root = new RootCommand { CtlCommand.Create(), TokenCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
