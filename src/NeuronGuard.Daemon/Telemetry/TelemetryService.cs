using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Grpc;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary><c>neuronguard.v1.Telemetry</c>: one <see cref="TelemetrySession"/> per model-server stream.</summary>
public sealed class TelemetryService(DaemonContext ctx)
{
    public const string Name = "neuronguard.v1.Telemetry";

    public static readonly Method<ModelServerMessage, DaemonMessage> StreamMethod =
        ProtobufMethod.Create<ModelServerMessage, DaemonMessage>(MethodType.DuplexStreaming, Name, "Stream");

    public void Register(GrpcServiceRegistry registry) => registry.AddDuplexStreaming(StreamMethod, Stream);

    private Task Stream(IAsyncStreamReader<ModelServerMessage> requests, IServerStreamWriter<DaemonMessage> responses, ServerCallContext context) =>
        new TelemetrySession(ctx, context).RunAsync(requests, responses);
}
