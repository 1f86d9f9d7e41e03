using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NeuronGuard.Daemon.Monitoring;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Says whether the daemon can serve: null when it can, else the reason it cannot (the body of a 503).</summary>
public delegate string? ReadinessProbe();

/// <summary>
/// The metrics listener's routes: <c>GET /metrics</c> (prometheus-net's middleware: text 0.0.4, OpenMetrics when the
/// scraper asks for it), <c>GET /healthz</c> (200 while the process runs) and <c>GET /readyz</c> (200 when the store can
/// serve, 503 with the reason otherwise). Both probes run the app's ASP.NET Core health checks where they are registered
/// (<c>/readyz</c> those tagged <see cref="DaemonHealthChecks.ReadyTag"/>), else the given <see cref="ReadinessProbe"/>. Other paths get 404 and other methods 405, so the port serves nothing else.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";
    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";

    /// <summary>Serves the routes for requests that arrived on local port <paramref name="port"/>; others pass on.</summary>
    public static IApplicationBuilder MapMetrics(this IApplicationBuilder app, CollectorRegistry registry, int port, ReadinessProbe? readiness = null) =>
        app.MapMetrics(registry, p => p == port, readiness);

    /// <summary>
    /// Serves the routes for requests whose local port passes <paramref name="isMetricsPort"/>: use this form when the
    /// listener binds port 0 and the real port is known only after start.
    /// </summary>
    /// <param name="servedElsewhere">Paths of the metrics port that the rest of the app's pipeline serves (the HTTP API).</param>
    public static IApplicationBuilder MapMetrics(this IApplicationBuilder app, CollectorRegistry registry, Func<int, bool> isMetricsPort, ReadinessProbe? readiness = null,
        Func<PathString, bool>? servedElsewhere = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return app.MapWhen(context => isMetricsPort(context.Connection.LocalPort) && servedElsewhere?.Invoke(context.Request.Path) != true,
            branch => Configure(branch, registry, readiness));
    }

    /// <summary>The whole pipeline of a listener that serves only these routes.</summary>
    internal static void Configure(IApplicationBuilder app, CollectorRegistry registry, ReadinessProbe? readiness)
    {
        app.Use((context, next) => RouteAsync(context, next, readiness));
        app.UseMetricServer(settings => settings.Registry = registry, Path);
    }

    private static async Task RouteAsync(HttpContext context, RequestDelegate next, ReadinessProbe? readiness)
    {
        var response = context.Response;
        string? path = context.Request.Path.Value;
        if (path is not (Path or HealthPath or ReadyPath))
        {
            await PlainAsync(response, StatusCodes.Status404NotFound, $"not found: this port serves only GET {Path}, {HealthPath} and {ReadyPath}\n").ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }
        switch (path)
        {
            case HealthPath:
                await PlainAsync(response, StatusCodes.Status200OK, "ok\n").ConfigureAwait(false);
                break;
            case ReadyPath:
                string? notReady = await NotReadyAsync(context, readiness).ConfigureAwait(false);
                await PlainAsync(response, notReady is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
                    notReady is null ? "ready\n" : $"not ready: {notReady}\n").ConfigureAwait(false);
                break;
            default:
                await next(context).ConfigureAwait(false);
                break;
        }
    }

    private static async Task<string?> NotReadyAsync(HttpContext context, ReadinessProbe? readiness)
    {
        if (context.RequestServices.GetService<HealthCheckService>() is not { } checks)
        {
            return readiness?.Invoke();
        }
        var report = await checks.CheckHealthAsync(r => r.Tags.Contains(DaemonHealthChecks.ReadyTag), context.RequestAborted).ConfigureAwait(false);
        return report.Status == HealthStatus.Healthy ? null
            : string.Join("; ", report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description ?? e.Exception?.Message ?? "unhealthy"));
    }

    private static Task PlainAsync(HttpResponse response, int status, string text)
    {
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(text);
    }
}
