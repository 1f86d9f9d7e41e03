using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Middleware answering <c>GET /metrics</c> on the metrics listener only, so the gRPC listener never serves it and
/// the metrics port serves nothing else (404 for other paths, 405 for other methods).
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    /// <summary>Serves the registry for requests that arrived on local port <paramref name="port"/>.</summary>
    public static IApplicationBuilder MapMetrics(this IApplicationBuilder app, MetricRegistry registry, int port) =>
        app.MapMetrics(registry, p => p == port);

    /// <summary>
    /// Serves the registry for requests whose local port passes <paramref name="isMetricsPort"/>: use this form when
    /// the listener binds port 0 and the real port is known only after start.
    /// </summary>
    public static IApplicationBuilder MapMetrics(this IApplicationBuilder app, MetricRegistry registry, Func<int, bool> isMetricsPort)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return app.Use(async (context, next) =>
        {
            if (!isMetricsPort(context.Connection.LocalPort))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            await ServeAsync(context, registry).ConfigureAwait(false);
        });
    }

    /// <summary>Answers one request on the metrics port.</summary>
    public static async Task ServeAsync(HttpContext context, MetricRegistry registry)
    {
        var response = context.Response;
        if (!string.Equals(context.Request.Path.Value, Path, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync($"not found: this port serves only GET {Path}\n").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        var buffer = registry.WriteToBuffer();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = TextFormat.ContentType;
        response.ContentLength = buffer.WrittenCount;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
