using System.Diagnostics;
using Google.Protobuf;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using Grpc.Core;
using Grpc.HealthCheck;
using Grpc.Health.V1;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>The bearer-token filter on a real gRPC server, called by our client and by Python grpcio.</summary>
public sealed class AuthFilterTests
{
    private static readonly string IngestToken = TokenHasher.NewToken();
    private static readonly string OperatorToken = TokenHasher.NewToken();
    private static readonly string ViewerToken = TokenHasher.NewToken();

    private static AuthOptions Options() => new()
    {
        Tokens =
        {
            new TokenEntry { Name = "vllm-a", Hash = TokenHasher.Hash(IngestToken), Roles = ["ingest"] },
            new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(OperatorToken), Roles = ["operator"] },
            new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(ViewerToken), Roles = ["viewer"] },
        },
    };

    [Fact]
    public async Task MissingOrWrongToken_Unauthenticated_AndReportedToOnDenied()
    {
        await using var server = await AuthTestServer.StartAsync(new Authenticator(Options(), listenerIsLoopback: true));
        using var channel = server.Channel();

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer(null)));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Contains("needs a bearer token", missing.Status.Detail);

        var wrong = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer("ng_not-a-real-token")));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Contains("not one this daemon accepts", wrong.Status.Detail);

        lock (server.Denials)
        {
            Assert.Equal(2, server.Denials.Count);
            Assert.All(server.Denials, d =>
            {
                Assert.Equal("/neuronguard.v1.Control/GetPolicy", d.Method);
                Assert.Equal("UNAUTHENTICATED", d.Code);
                Assert.StartsWith("ipv", d.Peer);
            });
        }
    }

    [Fact]
    public async Task ViewerOnSetMitigation_PermissionDenied_OperatorAllowedAndAttributed()
    {
        await using var server = await AuthTestServer.StartAsync(new Authenticator(Options(), listenerIsLoopback: true));
        using var channel = server.Channel();

        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(AuthTestServer.SetMitigation, new SetMitigationRequest(), AuthTestServer.Bearer(ViewerToken)));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("needs operator", denied.Status.Detail);
        lock (server.Denials)
        {
            var d = Assert.Single(server.Denials);
            Assert.Equal(("PERMISSION_DENIED", "bob"), (d.Code, d.Caller));
        }

        var ok = await channel.AsyncUnaryCall(AuthTestServer.SetMitigation, new SetMitigationRequest(), AuthTestServer.Bearer(OperatorToken));
        Assert.Equal("alice", ok.Policy.Mitigations[0].UpdatedBy);

        // Operator implies viewer; the viewer may read.
        Assert.Equal("alice", (await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer(OperatorToken))).Servers[0].ServerId);
        Assert.Equal("bob", (await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer(ViewerToken))).Servers[0].ServerId);
    }

    [Fact]
    public async Task IngestToken_StreamsTelemetry_ButCannotUseControl()
    {
        await using var server = await AuthTestServer.StartAsync(new Authenticator(Options(), listenerIsLoopback: true));
        using var channel = server.Channel();

        using var call = channel.AsyncDuplexStreamingCall(AuthTestServer.Stream, AuthTestServer.Bearer(IngestToken));
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("vllm-a", call.ResponseStream.Current.Error.Message);

        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer(IngestToken)));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        // And a viewer cannot pose as a model server.
        using var viewerStream = channel.AsyncDuplexStreamingCall(AuthTestServer.Stream, AuthTestServer.Bearer(ViewerToken));
        await viewerStream.RequestStream.CompleteAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => viewerStream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task Health_NeedsNoToken()
    {
        await using var server = await AuthTestServer.StartAsync(new Authenticator(Options(), listenerIsLoopback: true));
        using var channel = server.Channel();
        var reply = await channel.AsyncUnaryCall(HealthMethods.Check, new HealthCheckRequest(), AuthTestServer.Bearer(null));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        Assert.Empty(server.Denials);
    }

    [Fact]
    public async Task NoTokensOnLoopback_AnonymousEveryRole_AndSaysSo()
    {
        var authenticator = new Authenticator(new AuthOptions(), listenerIsLoopback: true);
        Assert.True(authenticator.Anonymous);
        Assert.Contains("loopback listener accepts unauthenticated calls", authenticator.StartupMessage);
        await using var server = await AuthTestServer.StartAsync(authenticator);
        using var channel = server.Channel();
        var ok = await channel.AsyncUnaryCall(AuthTestServer.SetMitigation, new SetMitigationRequest(), AuthTestServer.Bearer(null));
        Assert.Equal("anonymous", ok.Policy.Mitigations[0].UpdatedBy);
    }

    [Fact]
    public async Task GrpcioClient_GetsUnauthenticatedWithoutToken_AndOkWithIt()
    {
        await using var server = await AuthTestServer.StartAsync(new Authenticator(Options(), listenerIsLoopback: true));
        var script = """
            import sys, grpc
            ch = grpc.insecure_channel(sys.argv[1])
            setm = ch.unary_unary('/neuronguard.v1.Control/SetMitigation', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            check = ch.unary_unary('/grpc.health.v1.Health/Check', request_serializer=lambda x: x, response_deserializer=lambda x: x)
            for name, md in [('none', None), ('viewer', [('authorization', 'Bearer ' + sys.argv[3])])]:
                try:
                    setm(b'', timeout=10, metadata=md)
                    print(name, 'OK')
                except grpc.RpcError as e:
                    print(name, e.code().name, e.details())
            print('operator', setm(b'', timeout=10, metadata=[('authorization', 'Bearer ' + sys.argv[2])]).hex())
            print('health', check(b'', timeout=10).hex())
            """;
        var (code, output) = await RunPythonAsync(script, $"127.0.0.1:{server.Port} {OperatorToken} {ViewerToken}");
        Assert.True(code == 0, output);
        Assert.Contains("none UNAUTHENTICATED", output);
        Assert.Contains("viewer PERMISSION_DENIED", output);
        // SetMitigationResponse{policy{mitigations{updated_by:"alice"}}}: the response names the authenticated caller.
        Assert.Contains("operator " + Convert.ToHexStringLower(new SetMitigationResponse { Policy = new Policy { Mitigations = { new Mitigation { UpdatedBy = "alice" } } } }.ToByteArray()), output);
        Assert.Contains("health 0801", output);
    }

    [Fact]
    public async Task DenialFlood_AtMostTenReportedPerSecond_RestCounted()
    {
        var authenticator = new Authenticator(Options(), listenerIsLoopback: true);
        await using var server = await AuthTestServer.StartAsync(authenticator);
        using var channel = server.Channel();
        for (int i = 0; i < 25; i++)
        {
            await Assert.ThrowsAsync<RpcException>(async () =>
                await channel.AsyncUnaryCall(AuthTestServer.GetPolicy, new GetPolicyRequest(), AuthTestServer.Bearer("ng_wrong")));
        }
        Assert.Equal(25, authenticator.Denied);
        int reported;
        lock (server.Denials)
        {
            // Every denial reaches the callback (so the failure counter counts each); at most 10 a second are reported.
            Assert.Equal(25, server.Denials.Count);
            reported = server.Denials.Count(d => d.Report);
        }
        // Reported + left out always adds up; however slow the machine, 25 calls never report more than 10 per second each.
        Assert.Equal(25, reported + authenticator.DenialsNotReported);
        Assert.True(reported >= 10, $"reported {reported}");
    }

    private static Task<(int Code, string Output)> RunPythonAsync(string script, string args) => PythonScript.RunAsync(script, args);
}
