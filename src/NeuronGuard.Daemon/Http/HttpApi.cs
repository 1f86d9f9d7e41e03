using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using NeuronGuard.Daemon.Auth;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// The HTTP/JSON API (docs/http.md): the <c>google.api.http</c> routes of Control, Catalogs and Baselines through
/// Microsoft.AspNetCore.Grpc.JsonTranscoding, and <see cref="VerdictStream"/>. Each route carries the role of its gRPC
/// method (<see cref="MethodRoles"/>), so the same tokens and the same handlers (audit actor included) serve both.
/// </summary>
public static class HttpApi
{
    /// <summary>Every route of the API is under this path.</summary>
    public const string PathPrefix = "/v1";

    public static bool Owns(PathString path) => path.StartsWithSegments(PathPrefix, StringComparison.Ordinal);

    /// <summary>
    /// JSON transcoding with the proto3 JSON mapping: 64-bit integers as strings (JavaScript numbers lose precision
    /// past 2^53; the transcoder's default writes numbers), enums by name, default values written.
    /// </summary>
    public static IGrpcServerBuilder AddNeuronGuardHttpApi(this IGrpcServerBuilder grpc) =>
        grpc.AddJsonTranscoding(o => o.JsonSettings.WriteInt64sAsStrings = true);

    /// <summary>
    /// Tags each transcoded route of a service with <see cref="HttpApiEndpoint"/> and, with <paramref name="authorize"/>,
    /// the role its gRPC method needs (the transcoder builds its own endpoint metadata, without the binder's).
    /// </summary>
    public static TBuilder WithHttpApiRoles<TBuilder>(this TBuilder builder, bool authorize) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault() is not { } transcoded)
            {
                return;
            }
            var method = transcoded.MethodDescriptor;
            string grpcName = $"/{method.Service.FullName}/{method.Name}";
            string verb = endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault()?.HttpMethods.FirstOrDefault() ?? "";
            string route = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            endpoint.Metadata.Add(new HttpApiEndpoint($"{verb} {route} ({grpcName[1..]})"));
            if (authorize)
            {
                endpoint.Metadata.Add(MethodRoles.Required(grpcName) is { } role ? new AuthorizeAttribute(role.Name()) : new AllowAnonymousAttribute());
            }
        });
        return builder;
    }

    /// <summary>Maps <see cref="VerdictStream"/> (viewer role).</summary>
    public static void MapVerdictStream(this IEndpointRouteBuilder app, bool authorize)
    {
        var route = app.MapGet(VerdictStream.Route, VerdictStream.HandleAsync)
            .WithMetadata(new HttpApiEndpoint($"GET {VerdictStream.Route}"));
        if (authorize)
        {
            route.WithMetadata(new AuthorizeAttribute(Role.Viewer.Name()));
        }
    }

    /// <summary>
    /// The gate (<see cref="HttpApiGate"/>): runs after routing, before authentication.
    /// </summary>
    internal static IApplicationBuilder UseHttpApiGate(this IApplicationBuilder app, Func<int, bool> isAdminPort, bool adminIsLoopback, bool anonymous)
    {
        var gate = new HttpApiGate(isAdminPort, adminIsLoopback, anonymous);
        return app.Use((context, next) => gate.InvokeAsync(context, next));
    }
}
