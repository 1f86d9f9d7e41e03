using System.Net;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Grpc;
using NeuronGuard.Grpc.Client;
using NeuronGuard.Grpc.Health;
using ServingStatus = NeuronGuard.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>
/// A real gRPC server with Health and stand-ins for Control.SetMitigation/GetPolicy and Telemetry.Stream behind the
/// auth filter. The stand-ins answer with the caller the filter recorded, so tests see attribution too.
/// </summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation =
        ProtobufMethod.Create<SetMitigationRequest, SetMitigationResponse>(MethodType.Unary, "neuronguard.v1.Control", "SetMitigation");

    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy =
        ProtobufMethod.Create<GetPolicyRequest, GetPolicyResponse>(MethodType.Unary, "neuronguard.v1.Control", "GetPolicy");

    public static readonly Method<ModelServerMessage, DaemonMessage> Stream =
        ProtobufMethod.Create<ModelServerMessage, DaemonMessage>(MethodType.DuplexStreaming, "neuronguard.v1.Telemetry", "Stream");

    private readonly GrpcServerHost _host;

    private AuthTestServer(GrpcServerHost host, List<AuthDenial> denials)
    {
        _host = host;
        Denials = denials;
    }

    public List<AuthDenial> Denials { get; }

    public int Port => _host.Port;

    public static async Task<AuthTestServer> StartAsync(Authenticator authenticator)
    {
        var denials = new List<AuthDenial>();
        var registry = new GrpcServiceRegistry();
        var health = new HealthService();
        health.SetStatus("", ServingStatus.Serving);
        health.Register(registry);
        registry.AddUnary(SetMitigation, (_, ctx) => Task.FromResult(new SetMitigationResponse
        {
            Policy = new Policy { Mitigations = { new Mitigation { UpdatedBy = Authenticator.Caller(ctx) } } },
        }));
        registry.AddUnary(GetPolicy, (_, ctx) => Task.FromResult(new GetPolicyResponse
        {
            Servers = { new ServerPolicyState { ServerId = Authenticator.Caller(ctx) } },
        }));
        registry.AddDuplexStreaming(Stream, async (requests, responses, ctx) =>
        {
            await responses.WriteAsync(new DaemonMessage { Error = new StreamError { Message = Authenticator.Caller(ctx) } });
        });
        registry.AddFilter(authenticator.CreateFilter(d => { lock (denials) denials.Add(d); }));
        var host = await GrpcServerHost.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0));
        return new AuthTestServer(host, denials);
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress($"http://127.0.0.1:{Port}");

    public static CallOptions Bearer(string? token) =>
        new(Headers: token is null ? null : new Metadata().Add("authorization", $"Bearer {token}"), Deadline: DateTime.UtcNow.AddSeconds(30));

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
