using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// <c>neuronguard.v1.Telemetry</c>: one <see cref="TelemetrySession"/> per model-server stream. Bound through
/// <see cref="BindService"/> (grpc-dotnet finds the attribute on this class before the generated base's), so the
/// method uses <see cref="TelemetryMethod"/>'s marshaller; the base stays for reflection, which reads its descriptor.
/// </summary>
[BindServiceMethod(typeof(TelemetryService), nameof(BindService))]
public sealed class TelemetryService(DaemonContext ctx) : Api.V1.Telemetry.TelemetryBase
{
    public const string Name = "neuronguard.v1.Telemetry";

    public override Task Stream(IAsyncStreamReader<ModelServerMessage> requests, IServerStreamWriter<DaemonMessage> responses, ServerCallContext context) =>
        new TelemetrySession(ctx, context).RunAsync(requests, responses);

    /// <summary>Called by grpc-dotnet with a null <paramref name="service"/>: it binds the handler to the service type itself.</summary>
    public static void BindService(ServiceBinderBase binder, Api.V1.Telemetry.TelemetryBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(TelemetryMethod.Stream, service is null ? null! : service.Stream);
    }
}
