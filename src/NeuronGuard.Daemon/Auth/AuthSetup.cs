using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Authentication (bearer token to roles; with TlsClientCa, a client certificate to a caller name) and authorization (a
/// policy per role, each gRPC method tagged with the one it needs by <see cref="GrpcMethodBinding{TService}"/>; anything untagged falls back to operator, so a service added later
/// is closed until someone decides otherwise). Both run as middleware before gRPC reads a request's body.
/// </summary>
public static class AuthSetup
{
    /// <summary>Registers the scheme, the policies and the gRPC answer for refused calls; call after AddGrpc.</summary>
    /// <param name="clientCaPemFile">TlsClientCa when the listener speaks TLS: adds the client-certificate scheme
    /// (<see cref="ClientCertificateScheme"/>) beside the bearer one; null for bearer tokens alone.</param>
    public static IServiceCollection AddNeuronGuardAuth(this IServiceCollection services, Authenticator authenticator, Action<AuthDenial> onDenied,
        string? clientCaPemFile = null) =>
        services.AddNeuronGuardAuth(authenticator, _ => onDenied, clientCaPemFile);

    /// <summary>As above, where the denial handler is built from the container (it needs the store and the metrics).</summary>
    public static IServiceCollection AddNeuronGuardAuth(this IServiceCollection services, Authenticator authenticator, Func<IServiceProvider, Action<AuthDenial>> onDenied,
        string? clientCaPemFile = null)
    {
        services.AddNeuronGuardGrpcBinding();
        services.Configure<GrpcMethodBindingOptions>(o => o.Authorize = true);
        services.AddSingleton(authenticator);
        services.AddSingleton(sp => new AuthDenialSink(onDenied(sp)));
        var authentication = services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        // Every policy authenticates with every scheme and merges the identities; the bearer one last, so that the
        // principal's primary identity (User.Identity) is the token's.
        string[] schemes = [BearerTokenHandler.SchemeName];
        if (clientCaPemFile is not null)
        {
            authentication.AddNeuronGuardClientCertificates(clientCaPemFile);
            schemes = [ClientCertificateScheme.SchemeName, BearerTokenHandler.SchemeName];
        }
        var viewer = new AuthorizationPolicyBuilder(schemes).RequireRole(Role.Viewer.Name(), Role.Operator.Name()).Build();
        var operatorOnly = new AuthorizationPolicyBuilder(schemes).RequireRole(Role.Operator.Name()).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(Role.Ingest.Name(), p => p.AddAuthenticationSchemes(schemes).RequireRole(Role.Ingest.Name()))
            .AddPolicy(Role.Viewer.Name(), viewer)
            .AddPolicy(Role.Operator.Name(), operatorOnly)
            .SetFallbackPolicy(operatorOnly);
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        return services;
    }

    /// <summary>
    /// Binds gRPC services through <see cref="GrpcMethodBinding{TService}"/> (INTERNAL for a request that does not
    /// parse); call after AddGrpc.
    /// </summary>
    public static IServiceCollection AddNeuronGuardGrpcBinding(this IServiceCollection services)
    {
        GrpcMethodBinding<object>.Replace(services);
        services.TryAddSingleton<ClientFaultLog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(GrpcMethodBinding<>)));
        return services;
    }

    /// <summary>The middleware, in order: call metrics (when metrics are registered), authentication, authorization.</summary>
    public static IApplicationBuilder UseNeuronGuardAuth(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetService<Metrics.DaemonMetrics>() is not null)
        {
            app.UseMiddleware<CallMetricsMiddleware>();
        }
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
