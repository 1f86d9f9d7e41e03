using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon;
using NeuronGuard.ModelServer.BuiltinHost;

namespace NeuronGuard.ModelServer.Embedded;

/// <summary>The built-in model host's registrations, the way ASP.NET Core libraries add theirs.</summary>
public static class BuiltinModelHostExtensions
{
    /// <summary>
    /// Adds the built-in model host with its settings bound from the section <c>NeuronGuard</c> (Model,
    /// BuiltinHostToken, DataDir) and checked when the host starts. Call before the daemon's own registrations, so the
    /// fixture bootstrap runs before the store cache's first sync.
    /// </summary>
    public static IServiceCollection AddBuiltinModelHost(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BuiltinModelHostOptions>().Bind(configuration.GetSection(DaemonOptions.Section)).ValidateOnStart();
        return services.AddBuiltinModelHostCore();
    }

    /// <summary>Adds the built-in model host with settings given in code (e.g. <see cref="BuiltinModelHostOptions.From"/>).</summary>
    public static IServiceCollection AddBuiltinModelHost(this IServiceCollection services, Action<BuiltinModelHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BuiltinModelHostOptions>().Configure(configure).ValidateOnStart();
        return services.AddBuiltinModelHostCore();
    }

    /// <summary>Maps Inference.Generate unless Model is "none".</summary>
    public static IEndpointRouteBuilder MapBuiltinModelHost(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<BuiltinModelHostOptions>>().Value.Enabled)
        {
            endpoints.MapGrpcService<InferenceService>();
        }
        return endpoints;
    }

    private static IServiceCollection AddBuiltinModelHostCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BuiltinModelHostOptions>, BuiltinModelHostOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BuiltinModelHostOptions>, BuiltinModelFolderValidator>());
        services.TryAddSingleton(sp => BuiltinModel.Load(sp.GetRequiredService<IOptions<BuiltinModelHostOptions>>().Value));
        services.TryAddSingleton(_ => new InferenceService());
        services.AddHostedService<BuiltinModelBootstrap>();
        services.TryAddSingleton<BuiltinModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<BuiltinModelHost>());
        return services;
    }
}
