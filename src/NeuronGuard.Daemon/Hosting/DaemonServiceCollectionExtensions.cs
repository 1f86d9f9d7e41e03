using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>The daemon's registrations on an <see cref="IServiceCollection"/>, the way ASP.NET Core libraries add theirs.</summary>
public static class DaemonServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DaemonOptions"/> from the section <c>NeuronGuard</c> of <paramref name="configuration"/>, checked
    /// by the source-generated <see cref="DaemonOptionsValidator"/> when the host starts (every section, Telemetry limits
    /// included). A failure is an <see cref="OptionsValidationException"/>: <see cref="StartupErrors.OneLine"/> words it.
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
