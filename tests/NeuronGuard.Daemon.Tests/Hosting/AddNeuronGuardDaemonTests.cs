using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// <c>services.AddNeuronGuardDaemon(configuration)</c> binds the section and validates it when the host starts
/// (<c>ValidateOnStart</c>), and the failure is the one start-up line the CLI prints.
/// </summary>
public sealed class AddNeuronGuardDaemonTests
{
    [Fact]
    public async Task BadSetting_HostStartFails_WithOneLineNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["NeuronGuard:Telemetry:MaxValuesPerMessage"] = "0" });
        builder.Services.AddNeuronGuardDaemon(builder.Configuration);
        using var host = builder.Build();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        var line = StartupErrors.AsConfiguration(ex);
        Assert.NotNull(line);
        Assert.StartsWith("Bad setting: ", line.Message, StringComparison.Ordinal);
        Assert.Contains("MaxValuesPerMessage", line.Message);
        Assert.DoesNotContain('\n', line.Message);
    }

    /// <summary>Pins what the docs say (README "Entry point"): settings only; the daemon's services come from DaemonHost.</summary>
    [Fact]
    public void AddNeuronGuardDaemon_RegistersSettingsOnly_NoDaemonService()
    {
        var services = new ServiceCollection().AddNeuronGuardDaemon(new ConfigurationBuilder().Build());
        Assert.DoesNotContain(services, d => d.ServiceType.Namespace?.StartsWith("NeuronGuard", StringComparison.Ordinal) == true
            && d.ServiceType != typeof(IValidateOptions<DaemonOptions>));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(global::NeuronGuard.Storage.IStore) || d.ServiceType == typeof(global::NeuronGuard.Daemon.Control.ControlService));
    }

    [Fact]
    public void GoodSettings_AreBoundFromTheSection()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["NeuronGuard:Telemetry:FlagLogSize"] = "7" }).Build();
        using var provider = new ServiceCollection().AddNeuronGuardDaemon(config).BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(7, provider.GetRequiredService<IOptions<DaemonOptions>>().Value.Telemetry.FlagLogSize);
    }
}
