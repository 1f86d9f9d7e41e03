using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// The methods the API serves on a path, for the 405 answer's <c>Allow</c> header. Routing cannot be asked: grpc-dotnet
/// maps an "unimplemented service" endpoint <c>{service}/{method}</c> without HTTP method metadata (a route constraint
/// checks POST and the gRPC content type instead, so a gRPC call to an unknown service gets UNIMPLEMENTED), so on a
/// two-segment path such as <c>/v1/policy</c> an endpoint for every method exists, HttpMethodMatcherPolicy never makes
/// its 405 endpoint, and the constraint then leaves no endpoint at all. Deeper paths do get routing's 405 endpoint, but
/// it carries no <see cref="HttpApiEndpoint"/> and no body. Built once, from the API's own endpoints, on first use.
/// </summary>
internal sealed class HttpApiRoutes
{
    private (TemplateMatcher Matcher, string Method)[]? _routes;

    /// <summary>The methods of the API's routes whose pattern matches <paramref name="path"/>, ordinal order; empty when none.</summary>
    public IReadOnlyList<string> AllowedMethods(EndpointDataSource endpoints, PathString path)
    {
        var routes = _routes ??= Build(endpoints); // a race builds the same table twice: harmless
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        var values = new RouteValueDictionary();
        foreach (var (matcher, method) in routes)
        {
            values.Clear();
            if (matcher.TryMatch(path, values))
            {
                allowed.Add(method);
            }
        }
        return [.. allowed];
    }

    private static (TemplateMatcher, string)[] Build(EndpointDataSource endpoints) =>
        [.. from e in endpoints.Endpoints.OfType<RouteEndpoint>()
            where e.Metadata.GetMetadata<HttpApiEndpoint>() is not null
            from method in e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []
            select (new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary(e.RoutePattern.Defaults)), method)];
}
