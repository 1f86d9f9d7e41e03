using System.Threading.Channels;
using NeuronGuard.Grpc.Health.V1;
using ServingStatus = NeuronGuard.Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Grpc.Health;

/// <summary>
/// The standard <c>grpc.health.v1.Health</c> service. The empty service name stands for the server as a whole.
/// Watchers get the current status, then every change; a watcher that falls behind only sees the latest status.
/// </summary>
public sealed class HealthService
{
    public const string ServiceName = "grpc.health.v1.Health";

    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly List<(string Service, Channel<ServingStatus> Channel)> _watchers = new();

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> CheckMethod =
        ProtobufMethod.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.Unary, ServiceName, "Check");

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> WatchMethod =
        ProtobufMethod.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.ServerStreaming, ServiceName, "Watch");

    public void SetStatus(string service, ServingStatus status)
    {
        lock (_gate)
        {
            if (_statuses.TryGetValue(service, out var old) && old == status)
            {
                return;
            }
            _statuses[service] = status;
            foreach (var (watched, channel) in _watchers)
            {
                if (watched == service)
                {
                    channel.Writer.TryWrite(status);
                }
            }
        }
    }

    public ServingStatus? GetStatus(string service)
    {
        lock (_gate)
        {
            return _statuses.TryGetValue(service, out var s) ? s : null;
        }
    }

    public void Register(GrpcServiceRegistry registry)
    {
        registry.AddUnary(CheckMethod, Check);
        registry.AddServerStreaming(WatchMethod, Watch);
    }

    private Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = GetStatus(request.Service)
            ?? throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    private async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> stream, ServerCallContext context)
    {
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        var entry = (request.Service, channel);
        lock (_gate)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(request.Service, out var s) ? s : ServingStatus.ServiceUnknown);
            _watchers.Add(entry);
        }
        try
        {
            await foreach (var status in channel.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await stream.WriteAsync(new HealthCheckResponse { Status = status }).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(entry);
            }
        }
    }
}
