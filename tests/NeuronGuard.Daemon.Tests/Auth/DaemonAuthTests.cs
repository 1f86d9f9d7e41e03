using NeuronGuard.ModelServer;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Daemon.Tests.Telemetry;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.HealthCheck;
using Grpc.Health.V1;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>
/// Auth on the real daemon with tokens configured: every service refuses a call without a token, refuses a token
/// without the role, and each denial lands in the audit log; the built-in host connects with its ingest token.
/// </summary>
public sealed class DaemonAuthTests : IAsyncLifetime
{
    private static readonly string Ingest = TokenHasher.NewToken();
    private static readonly string Operator = TokenHasher.NewToken();
    private static readonly string Viewer = TokenHasher.NewToken();
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-daemon-auth-").FullName;
    private DaemonHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        var options = new DaemonOptions { Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", BuiltinHostToken = Ingest };
        options.Metrics.Listen = "";
        options.Auth.Tokens.Add(new TokenEntry { Name = "model-server", Hash = TokenHasher.Hash(Ingest), Roles = ["ingest"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(Operator), Roles = ["operator"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(Viewer), Roles = ["viewer"] });
        _host = await ServeHost.StartAsync(options);
        _channel = GrpcChannel.ForAddress(_host.Address);
    }

    /// <summary>One call per method of every NeuronGuard service, as (name, the call with the given headers).</summary>
    private IEnumerable<(string Method, Func<Metadata?, Task> Call)> EveryMethod()
    {
        Task Unary<TReq, TResp>(Method<TReq, TResp> m, TReq r, Metadata? h) where TReq : class where TResp : class =>
            _channel.AsyncUnaryCall(m, r, new CallOptions(headers: h)).ResponseAsync;
        async Task Streaming<TReq, TResp>(Method<TReq, TResp> m, TReq r, Metadata? h) where TReq : class where TResp : class
        {
            // A watch with the right role just waits for verdicts: a short wait shows auth let it through.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var call = _channel.AsyncServerStreamingCall(m, r, new CallOptions(headers: h, cancellationToken: cts.Token));
            await call.ResponseStream.MoveNext(cts.Token);
        }
        async Task Duplex(Metadata? h)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var call = _channel.AsyncDuplexStreamingCall(BuiltinHostMethods.TelemetryStream, new CallOptions(headers: h, cancellationToken: cts.Token));
            await call.RequestStream.CompleteAsync();
            await call.ResponseStream.MoveNext(cts.Token);
        }
        async Task ClientStreaming(Metadata? h)
        {
            using var call = _channel.AsyncClientStreamingCall(RecordMethods.Calibrate, new CallOptions(headers: h));
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        }
        yield return ("Telemetry/Stream", Duplex);
        yield return ("Control/GetPolicy", h => Unary(ControlMethods.GetPolicy, new GetPolicyRequest(), h));
        yield return ("Control/SetMitigation", h => Unary(ControlMethods.SetMitigation, new SetMitigationRequest { Set = "x", Mode = MitigationMode.Off }, h));
        yield return ("Control/DeleteMitigation", h => Unary(ControlMethods.DeleteMitigation, new DeleteMitigationRequest { Set = "x" }, h));
        yield return ("Control/ListFlagged", h => Unary(ControlMethods.ListFlagged, new ListFlaggedRequest(), h));
        yield return ("Control/GetAudit", h => Unary(ControlMethods.GetAudit, new GetAuditRequest(), h));
        yield return ("Control/WatchVerdicts", h => Streaming(ControlMethods.WatchVerdicts, new WatchVerdictsRequest(), h));
        yield return ("Catalogs/PutCatalog", h => Unary(RecordMethods.PutCatalog, new PutCatalogRequest(), h));
        yield return ("Catalogs/GetCatalog", h => Unary(RecordMethods.GetCatalog, new GetCatalogRequest(), h));
        yield return ("Catalogs/ListCatalogs", h => Unary(RecordMethods.ListCatalogs, new ListCatalogsRequest(), h));
        yield return ("Catalogs/ActivateCatalog", h => Unary(RecordMethods.ActivateCatalog, new ActivateCatalogRequest(), h));
        yield return ("Baselines/Calibrate", ClientStreaming);
        yield return ("Baselines/GetBaseline", h => Unary(RecordMethods.GetBaseline, new GetBaselineRequest(), h));
        yield return ("Baselines/ActivateBaseline", h => Unary(RecordMethods.ActivateBaseline, new ActivateBaselineRequest(), h));
        yield return ("Baselines/PutBaseline", h => Unary(RecordMethods.PutBaseline, new PutBaselineRequest(), h));
        yield return ("Baselines/ListBaselines", h => Unary(RecordMethods.ListBaselines, new ListBaselinesRequest(), h));
        yield return ("Inference/Generate", h => Streaming(BuiltinHostMethods.Generate, new GenerateRequest { Prompt = " hello", MaxNewTokens = 1 }, h));
    }

    [Fact]
    public async Task EveryMethod_NoToken_Unauthenticated_WrongToken_Unauthenticated()
    {
        foreach (var (method, call) in EveryMethod())
        {
            var none = await Assert.ThrowsAsync<RpcException>(() => call(null));
            Assert.True(none.StatusCode == StatusCode.Unauthenticated, $"{method} without a token: {none.Status}");
            var wrong = await Assert.ThrowsAsync<RpcException>(() => call(BuiltinHostMethods.BearerHeaders("ng_not-a-real-token")));
            Assert.True(wrong.StatusCode == StatusCode.Unauthenticated, $"{method} with a wrong token: {wrong.Status}");
        }
    }

    [Fact]
    public async Task EveryMethod_TokenWithoutTheRole_PermissionDenied_WithTheRole_Passes()
    {
        var ingest = BuiltinHostMethods.BearerHeaders(Ingest);
        var viewer = BuiltinHostMethods.BearerHeaders(Viewer);
        var op = BuiltinHostMethods.BearerHeaders(Operator);
        foreach (var (method, call) in EveryMethod())
        {
            bool isIngest = method.StartsWith("Telemetry/", StringComparison.Ordinal);
            bool isWrite = method is "Control/SetMitigation" or "Control/DeleteMitigation" or "Catalogs/PutCatalog" or "Catalogs/ActivateCatalog" or "Baselines/Calibrate" or "Baselines/ActivateBaseline" or "Baselines/PutBaseline";
            var wrongRole = isIngest ? op : isWrite ? viewer : ingest;
            var denied = await Assert.ThrowsAsync<RpcException>(() => call(wrongRole));
            Assert.True(denied.StatusCode == StatusCode.PermissionDenied, $"{method} with the wrong role: {denied.Status}");
            var rightRole = isIngest ? ingest : op;
            try
            {
                await call(rightRole);
            }
            catch (RpcException e)
            {
                // Past auth, the empty test requests may be refused by the handler itself, never by auth.
                Assert.True(e.StatusCode is not (StatusCode.Unauthenticated or StatusCode.PermissionDenied), $"{method} with the right role: {e.Status}");
            }
        }
    }

    [Fact]
    public async Task Denial_AuditedWithMethodAndCaller_HealthNeedsNoToken()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _channel.AsyncUnaryCall(ControlMethods.SetMitigation,
            new SetMitigationRequest { Set = "toxicity", Mode = MitigationMode.Always }, new CallOptions(headers: BuiltinHostMethods.BearerHeaders(Viewer))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        AuditEntry? entry = null;
        var until = DateTime.UtcNow.AddSeconds(15);
        while (entry is null && DateTime.UtcNow < until)
        {
            var audit = await _channel.AsyncUnaryCall(ControlMethods.GetAudit, new GetAuditRequest { Limit = 50 }, new CallOptions(headers: BuiltinHostMethods.BearerHeaders(Operator)));
            entry = audit.Entries.FirstOrDefault(a => a.Action == "auth.denied" && a.Actor == "bob");
            await Task.Delay(20);
        }
        Assert.NotNull(entry);
        Assert.Contains("/neuronguard.v1.Control/SetMitigation", entry.Detail);
        Assert.Contains("PERMISSION_DENIED", entry.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await _channel.AsyncUnaryCall(HealthMethods.Check, new HealthCheckRequest())).Status);
    }

    [Fact]
    public async Task Telemetry_RejectedBeforeTheFirstMessage_ClientSeesTheStatusWithoutWriting()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var call = _channel.AsyncDuplexStreamingCall(BuiltinHostMethods.TelemetryStream, new CallOptions(cancellationToken: cts.Token));
        // Nothing written and the request stream left open: the server must still get the call and answer it.
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(cts.Token));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task BuiltinHost_WithIngestToken_ConnectsAndIsMonitored()
    {
        var result = await _host.BuiltinHost()!.GenerateAsync(" the cat", new Inference.GenerationOptions { MaxNewTokens = 2 });
        Assert.True(result.Monitored);
        Assert.NotNull(result.FinalVerdict);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
