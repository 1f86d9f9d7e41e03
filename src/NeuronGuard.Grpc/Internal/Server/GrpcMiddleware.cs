using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NeuronGuard.Grpc.Internal.Server;

/// <summary>
/// Routes <c>/{service}/{method}</c> to registered handlers. Requests that are not gRPC and not for a registered path
/// go to the next middleware, so a gRPC listener can also serve plain HTTP endpoints.
/// </summary>
internal sealed class GrpcMiddleware(RequestDelegate next, GrpcServiceRegistry registry, GrpcServerOptions options, ILogger logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var isGrpc = GrpcProtocol.IsGrpcContentType(context.Request.ContentType);
        var known = registry.TryGetMethod(path, out var handler);
        if (!isGrpc)
        {
            if (!known)
            {
                return next(context);
            }
            GrpcServerLog.UnsupportedContentType(logger, path, context.Request.ContentType);
            return RejectAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{context.Request.ContentType}' is not supported: gRPC requests use application/grpc.");
        }
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return RejectAsync(context, StatusCodes.Status405MethodNotAllowed, "gRPC requests must use POST.");
        }
        if (!known)
        {
            GrpcServerLog.MethodNotFound(logger, path);
            var status = new Status(StatusCode.Unimplemented, registry.HasService(ServiceOf(path))
                ? $"Method is unimplemented: {path}"
                : $"Service is unimplemented: {ServiceOf(path)}");
            WriteTrailersOnly(context, status);
            return Task.CompletedTask;
        }
        if (context.Request.Protocol != "HTTP/2")
        {
            return RejectAsync(context, StatusCodes.Status426UpgradeRequired, $"gRPC requires HTTP/2; this request used {context.Request.Protocol}.");
        }
        return handler.HandleAsync(context, options, registry.Filters, logger);
    }

    private static string ServiceOf(string path)
    {
        var trimmed = path.TrimStart('/');
        var slash = trimmed.IndexOf('/');
        return slash < 0 ? trimmed : trimmed[..slash];
    }

    private static void WriteTrailersOnly(HttpContext context, Status status)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = PercentEncoding.Encode(status.Detail);
    }

    /// <summary>A plain-HTTP rejection that a gRPC client can still read: grpc-status INTERNAL rides along (as grpc-java does).</summary>
    private static Task RejectAsync(HttpContext context, int httpStatus, string message)
    {
        var response = context.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = PercentEncoding.Encode(message);
        return response.WriteAsync(message + "\n");
    }
}
