using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// Decides, before authentication, whether an HTTP API route may be served at all. The API lives on the admin listener
/// only (the gRPC port keeps speaking gRPC). The admin listener often binds 0.0.0.0 so Prometheus can scrape it; when no
/// tokens are configured every caller holds every role, so on such a listener the API would be an unauthenticated
/// Control API for the whole network: then each call is answered 403 with the reason and the fix, and
/// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> go on as before. Auth:AllowAnonymous does not lift this: it
/// opens the gRPC port on purpose, not the scrape port.
/// On the admin listener a <c>/v1/...</c> request that no API route took is 405 with <c>Allow</c> when the path has
/// routes for other methods (<see cref="HttpApiRoutes"/> says why routing does not answer it), else 404.
/// </summary>
internal sealed class HttpApiGate(Func<int, bool> isAdminPort, bool adminIsLoopback, bool anonymous)
{
    public const string AnonymousRefusal =
        "the HTTP API is refused: no tokens are configured and the admin listener (Metrics:Listen) is reachable from other machines; " +
        "add tokens under Auth:Tokens, bind Metrics:Listen to 127.0.0.1, or set Http:Enabled=false";

    private readonly HttpApiRoutes _routes = new();

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        bool admin = isAdminPort(context.Connection.LocalPort);
        var api = context.GetEndpoint()?.Metadata.GetMetadata<HttpApiEndpoint>();
        if (api is null)
        {
            if (admin && HttpApi.Owns(context.Request.Path))
            {
                var allowed = _routes.AllowedMethods(context.RequestServices.GetRequiredService<EndpointDataSource>(), context.Request.Path);
                if (allowed.Count > 0 && !allowed.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
                {
                    context.Response.Headers.Allow = string.Join(", ", allowed);
                    await HttpErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, StatusCode.Unimplemented,
                        $"{context.Request.Path} has no method {context.Request.Method}: use {string.Join(" or ", allowed)} (docs/http.md)").ConfigureAwait(false);
                    return;
                }
                await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, StatusCode.NotFound,
                    $"no HTTP API route {context.Request.Method} {context.Request.Path}: see docs/http.md for the routes").ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
            return;
        }
        if (!admin)
        {
            // A gRPC client never asks for /v1/...; an HTTP client on the gRPC port is pointed at the right one.
            await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, StatusCode.NotFound,
                "the HTTP API is served on the admin listener (Metrics:Listen), not on the gRPC port").ConfigureAwait(false);
            return;
        }
        if (anonymous && !adminIsLoopback)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied, AnonymousRefusal).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }
}
