using System.Net;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>
/// A real gRPC server with Health and stand-ins for Control.SetMitigation/GetPolicy and Telemetry.Stream behind the
/// daemon's authentication and authorization middleware. The stand-ins answer with the caller the filter recorded, so tests see attribution too.
/// </summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation = ControlMethods.SetMitigation;

    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy = ControlMethods.GetPolicy;

    public static readonly Method<ModelServerMessage, DaemonMessage> Stream = BuiltinHostMethods.TelemetryStream;

    private readonly TestGrpcServer _host;

    private AuthTestServer(TestGrpcServer host, List<AuthDenial> denials)
    {
        _host = host;
        Denials = denials;
    }

    public List<AuthDenial> Denials { get; }

    public int Port => _host.Port;

    public static async Task<AuthTestServer> StartAsync(Authenticator authenticator)
    {
        var denials = new List<AuthDenial>();
        var health = new HealthServiceImpl();
        health.SetStatus("", ServingStatus.Serving);
        var host = await TestGrpcServer.StartAsync(services =>
        {
            services.AddSingleton(health);
            services.AddNeuronGuardAuth(authenticator, d => { lock (denials) denials.Add(d); });
        }, app =>
        {
            app.UseNeuronGuardAuth();
            app.MapGrpcService<HealthServiceImpl>();
            app.MapGrpcService<StandInControl>();
            app.MapGrpcService<StandInTelemetry>();
        });
        return new AuthTestServer(host, denials);
    }

    /// <summary>Answers with the caller the interceptor recorded.</summary>
    private sealed class StandInControl : Api.V1.Control.ControlBase
    {
        public override Task<SetMitigationResponse> SetMitigation(SetMitigationRequest request, ServerCallContext context) =>
            Task.FromResult(new SetMitigationResponse { Policy = new Policy { Mitigations = { new Mitigation { UpdatedBy = Authenticator.Caller(context) } } } });

        public override Task<GetPolicyResponse> GetPolicy(GetPolicyRequest request, ServerCallContext context) =>
            Task.FromResult(new GetPolicyResponse { Servers = { new ServerPolicyState { ServerId = Authenticator.Caller(context) } } });
    }

    private sealed class StandInTelemetry : Api.V1.Telemetry.TelemetryBase
    {
        public override Task Stream(IAsyncStreamReader<ModelServerMessage> requestStream, IServerStreamWriter<DaemonMessage> responseStream, ServerCallContext context) =>
            responseStream.WriteAsync(new DaemonMessage { Error = new StreamError { Message = Authenticator.Caller(context) } });
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress($"http://127.0.0.1:{Port}");

    public static CallOptions Bearer(string? token) =>
        new(headers: token is null ? null : new Metadata { { "authorization", $"Bearer {token}" } }, deadline: DateTime.UtcNow.AddSeconds(30));

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
