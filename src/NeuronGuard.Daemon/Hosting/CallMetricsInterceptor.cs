using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Counts every call by service, method and final status, with its duration (<see cref="DaemonMetrics.GrpcCall"/>).
/// Registered first, so it sees the auth interceptor's denials too. The status is the one grpc-dotnet sends: the
/// handler's <see cref="ServerCallContext.Status"/>, an <see cref="RpcException"/>'s, CANCELLED or DEADLINE_EXCEEDED
/// when the call's token fired, otherwise UNKNOWN (what grpc-dotnet answers for an unhandled exception).
/// </summary>
internal sealed class CallMetricsInterceptor(DaemonMetrics metrics) : Interceptor
{
    private readonly ConcurrentDictionary<string, (string Service, string Method)> _names = new(StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Record(context, context.Status.StatusCode, started);
            return response;
        }
        catch (Exception e)
        {
            Record(context, CodeOf(e, context), started);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(requestStream, context).ConfigureAwait(false);
            Record(context, context.Status.StatusCode, started);
            return response;
        }
        catch (Exception e)
        {
            Record(context, CodeOf(e, context), started);
            throw;
        }
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Observe(() => continuation(request, responseStream, context), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Observe(() => continuation(requestStream, responseStream, context), context);

    private async Task Observe(Func<Task> call, ServerCallContext context)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            await call().ConfigureAwait(false);
            Record(context, context.Status.StatusCode, started);
        }
        catch (Exception e)
        {
            Record(context, CodeOf(e, context), started);
            throw;
        }
    }

    private static StatusCode CodeOf(Exception e, ServerCallContext context) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        _ when context.CancellationToken.IsCancellationRequested =>
            context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private void Record(ServerCallContext context, StatusCode code, long started)
    {
        var (service, method) = _names.GetOrAdd(context.Method, static path =>
        {
            int slash = path.LastIndexOf('/');
            return slash > 0 ? (path[1..slash], path[(slash + 1)..]) : ("", path);
        });
        metrics.GrpcCall(service, method, Labels.Status(code), Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
