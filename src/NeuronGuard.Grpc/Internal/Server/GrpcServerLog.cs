using Microsoft.Extensions.Logging;

namespace NeuronGuard.Grpc.Internal.Server;

internal static partial class GrpcServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Handler for {Method} threw; the client gets INTERNAL without the exception text.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Deadline exceeded for {Method}; cancelling the handler.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(3, LogLevel.Debug, "Client aborted {Method}.")]
    public static partial void CallAbortedByClient(ILogger logger, string method);

    [LoggerMessage(4, LogLevel.Debug, "No method registered for {Path}: UNIMPLEMENTED.")]
    public static partial void MethodNotFound(ILogger logger, string path);

    [LoggerMessage(5, LogLevel.Debug, "Rejected {Path}: content type '{ContentType}' is not application/grpc (HTTP 415).")]
    public static partial void UnsupportedContentType(ILogger logger, string path, string? contentType);
}
