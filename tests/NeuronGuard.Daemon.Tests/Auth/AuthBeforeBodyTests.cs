using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>
/// Authentication runs before the body is read (issue 22 item 4) and every call is counted with the code its client
/// got (item 5): garbage and oversized bodies without a token are UNAUTHENTICATED whatever their content; with a valid
/// token garbage is INTERNAL and an oversized body RESOURCE_EXHAUSTED; cancelled and timed-out streams count as such.
/// </summary>
public sealed class AuthBeforeBodyTests : IAsyncLifetime
{
    private static readonly string Viewer = TokenHasher.NewToken();
    private static readonly string Operator = TokenHasher.NewToken();
    private static readonly Method<byte[], byte[]> RawGetPolicy = new(MethodType.Unary, "neuronguard.v1.Control", "GetPolicy",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    private readonly string _dir = Directory.CreateTempSubdirectory("ng-auth-body-").FullName;
    private DaemonHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Model = "none" };
        options.Metrics.Listen = "";
        // Upper-case hex, as some tools print it: the daemon accepts it (hashes compare case-insensitively).
        options.Auth.Tokens.Add(new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(Viewer).ToUpperInvariant().Replace("SHA256:", "sha256:", StringComparison.Ordinal), Roles = ["viewer"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(Operator), Roles = ["operator"] });
        _host = await DaemonHost.StartAsync(options);
        _channel = GrpcChannel.ForAddress(_host.Address, new GrpcChannelOptions { MaxSendMessageSize = null });
    }

    private static CallOptions With(string? authorization) =>
        new(headers: authorization is null ? null : new Metadata { { "authorization", authorization } }, deadline: DateTime.UtcNow.AddSeconds(60));

    private Task<StatusCode> RawCallAsync(byte[] body, string? authorization) => CodeOf(_channel.AsyncUnaryCall(RawGetPolicy, body, With(authorization)).ResponseAsync);

    private static async Task<StatusCode> CodeOf(Task call)
    {
        try
        {
            await call;
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private string Scrape() => _host.Context.Metrics.Registry.Scrape();

    private static double Sample(string text, string series)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Handled(string method, string code) =>
        $"neuronguard_grpc_server_handled_total{{service=\"neuronguard.v1.Control\",method=\"{method}\",code=\"{code}\"}}";

    [Fact]
    public async Task GarbageBody_WithoutToken_Unauthenticated_WithToken_Internal_BothCounted()
    {
        byte[] garbage = [0xFF, 0xFF, 0xFF];
        var before = Scrape();
        Assert.Equal(StatusCode.Unauthenticated, await RawCallAsync(garbage, null));
        Assert.Equal(StatusCode.Unauthenticated, await RawCallAsync(garbage, "Bearer ng_not-a-token"));
        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.AsyncUnaryCall(RawGetPolicy, garbage, With("Bearer " + Viewer)).ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("not a valid GetPolicyRequest", ex.Status.Detail);
        var after = Scrape();
        Assert.Equal(2, Sample(after, Handled("GetPolicy", "UNAUTHENTICATED")) - Sample(before, Handled("GetPolicy", "UNAUTHENTICATED")));
        Assert.Equal(1, Sample(after, Handled("GetPolicy", "INTERNAL")) - Sample(before, Handled("GetPolicy", "INTERNAL")));
        Assert.True(Sample(after, "neuronguard_auth_failures_total{code=\"UNAUTHENTICATED\"}") - Sample(before, "neuronguard_auth_failures_total{code=\"UNAUTHENTICATED\"}") >= 2);
        // The daemon keeps serving: a good call right after answers.
        Assert.Equal(StatusCode.OK, await CodeOf(_channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest(), With("Bearer " + Viewer)).ResponseAsync));
    }

    [Fact]
    public async Task OversizedBody_WithoutToken_Unauthenticated_WithToken_ResourceExhausted()
    {
        var big = new byte[5 * 1024 * 1024];
        var before = Scrape();
        Assert.Equal(StatusCode.Unauthenticated, await RawCallAsync(big, null));
        Assert.Equal(StatusCode.ResourceExhausted, await RawCallAsync(big, "Bearer " + Viewer));
        var after = Scrape();
        Assert.Equal(1, Sample(after, Handled("GetPolicy", "UNAUTHENTICATED")) - Sample(before, Handled("GetPolicy", "UNAUTHENTICATED")));
        Assert.Equal(1, Sample(after, Handled("GetPolicy", "RESOURCE_EXHAUSTED")) - Sample(before, Handled("GetPolicy", "RESOURCE_EXHAUSTED")));
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("bearer ")]
    [InlineData("BEARER ")]
    [InlineData("bEaReR ")]
    public async Task BearerScheme_AnyCase_Accepted(string scheme)
    {
        var reply = await _channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest(), With(scheme + Viewer));
        Assert.NotNull(reply);
    }

    [Fact]
    public async Task UpperCaseConfiguredHash_Accepted_AndPermissionsHold()
    {
        // bob's hash is configured in upper case: his viewer token reads but cannot write.
        Assert.Equal(StatusCode.OK, await CodeOf(_channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest(), With("Bearer " + Viewer)).ResponseAsync));
        var denied = await Assert.ThrowsAsync<RpcException>(() => _channel.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "x", Mode = MitigationMode.Off }, With("Bearer " + Viewer)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("token 'bob' has role(s) viewer", denied.Status.Detail);
    }

    [Fact]
    public async Task CancelledAndTimedOutStreams_CountedAsCancelledAndDeadlineExceeded()
    {
        var before = Scrape();
        using (var cts = new CancellationTokenSource())
        {
            using var call = _channel.AsyncServerStreamingCall(ControlMethods.WatchVerdicts, new WatchVerdictsRequest(),
                new CallOptions(headers: new Metadata { { "authorization", "Bearer " + Viewer } }, cancellationToken: cts.Token));
            // A watch waits for verdicts that never come here; the client cancels it while it waits.
            cts.CancelAfter(TimeSpan.FromMilliseconds(300));
            Assert.Equal(StatusCode.Cancelled, await CodeOf(call.ResponseStream.MoveNext()));
        }
        using (var call = _channel.AsyncServerStreamingCall(ControlMethods.WatchVerdicts, new WatchVerdictsRequest(),
            new CallOptions(headers: new Metadata { { "authorization", "Bearer " + Viewer } }, deadline: DateTime.UtcNow.AddMilliseconds(300))))
        {
            Assert.Equal(StatusCode.DeadlineExceeded, await CodeOf(call.ResponseStream.MoveNext()));
        }
        // The server learns of the end asynchronously: wait (bounded) until both are recorded.
        string after = Scrape();
        for (int i = 0; i < 200 && (Sample(after, Handled("WatchVerdicts", "CANCELLED")) <= Sample(before, Handled("WatchVerdicts", "CANCELLED"))
            || Sample(after, Handled("WatchVerdicts", "DEADLINE_EXCEEDED")) <= Sample(before, Handled("WatchVerdicts", "DEADLINE_EXCEEDED"))); i++)
        {
            await Task.Delay(50);
            after = Scrape();
        }
        Assert.Equal(1, Sample(after, Handled("WatchVerdicts", "CANCELLED")) - Sample(before, Handled("WatchVerdicts", "CANCELLED")));
        Assert.Equal(1, Sample(after, Handled("WatchVerdicts", "DEADLINE_EXCEEDED")) - Sample(before, Handled("WatchVerdicts", "DEADLINE_EXCEEDED")));
        Assert.Equal(0, Sample(after, Handled("WatchVerdicts", "OK")) - Sample(before, Handled("WatchVerdicts", "OK")));
    }

    [Fact]
    public async Task ListenerOnAllInterfaces_WithoutTokens_RefusesToStart()
    {
        var options = new DaemonOptions { Listen = "0.0.0.0:0", DataDir = Directory.CreateTempSubdirectory("ng-auth-any-").FullName, LogLevel = "Warning", Model = "none" };
        options.Metrics.Listen = "";
        var ex = await Assert.ThrowsAsync<AuthConfigurationException>(() => DaemonHost.StartAsync(options));
        Assert.Contains("reachable from other machines but no tokens are configured", ex.Message);
        // Loopback by name of address: the same settings on 127.0.0.1 start.
        options.Listen = "127.0.0.1:0";
        await using var ok = await DaemonHost.StartAsync(options);
        Assert.True(ok.Address.Port > 0);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
