using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// The daemon's settings on an <see cref="IServiceCollection"/>, the way ASP.NET Core libraries add theirs. Only the
/// settings: the daemon's services (store, policy, sessions, gRPC services, auth, health checks) are registered by
/// <see cref="DaemonHost"/>'s <c>StartAsync(options, configureServices, mapEndpoints)</c>,
/// which also opens the store (asynchronously, before the host is built) and sets up Kestrel; embedding the daemon in
/// another ASP.NET Core app is not supported yet: start a <see cref="DaemonHost"/> and add to it through that overload.
/// </summary>
public static class DaemonServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DaemonOptions"/> from the section <c>NeuronGuard</c> of <paramref name="configuration"/>, checked
    /// by the source-generated <see cref="DaemonOptionsValidator"/> when the host starts (every section, Telemetry limits
    /// included). A failure is an <see cref="OptionsValidationException"/>: <see cref="StartupErrors.OneLine"/> words it.
    /// It registers no daemon service (the class's remarks say where they are registered); the CLI's option loader uses it.
    /// </summary>
    public static IServiceCollection AddNeuronGuardDaemon(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DaemonOptions>().Bind(configuration.GetSection(DaemonOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DaemonOptions>, DaemonOptionsValidator>());
        return services;
    }
}
