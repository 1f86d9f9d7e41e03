using Microsoft.Extensions.Logging;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.BuiltinHost;
using NeuronGuard.Grpc;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// The built-in model host inside the daemon process. Inference.Generate must be registered before the server starts,
/// but the host's Telemetry client can only connect once the listener is bound (its port may be 0), so the method is
/// registered here and answers UNAVAILABLE until <see cref="StartAsync"/> has connected the host.
/// </summary>
internal sealed class BuiltinHostSlot(ModelHost model, string modelId)
{
    private InferenceService? _service;

    public void Register(GrpcServiceRegistry registry) =>
        registry.AddServerStreaming(BuiltinHostMethods.Generate, (request, responses, context) =>
            Volatile.Read(ref _service) is { } service
                ? service.GenerateAsync(request, responses, context)
                : throw new RpcException(StatusCode.Unavailable, "the built-in model host is still connecting to the daemon: retry in a moment."));

    public async Task<TelemetryModelServer> StartAsync(Uri daemon, string? token, ILogger logger, CancellationToken cancellationToken)
    {
        var server = new TelemetryModelServer(model, new TelemetryModelServerOptions
        {
            DaemonUrl = daemon.ToString(),
            Token = token,
            ServerId = $"builtin@{Environment.MachineName}",
            ModelId = modelId,
        }, logger);
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _service, new InferenceService(server));
        return server;
    }
}
