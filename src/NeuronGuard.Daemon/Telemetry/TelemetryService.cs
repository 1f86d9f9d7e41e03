using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using Grpc.Core;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary><c>neuronguard.v1.Telemetry</c>: one <see cref="TelemetrySession"/> per model-server stream.</summary>
public sealed class TelemetryService(DaemonContext ctx) : Api.V1.Telemetry.TelemetryBase
{
    public const string Name = "neuronguard.v1.Telemetry";

    public override Task Stream(IAsyncStreamReader<ModelServerMessage> requests, IServerStreamWriter<DaemonMessage> responses, ServerCallContext context) =>
        new TelemetrySession(ctx, context).RunAsync(requests, responses);
}
