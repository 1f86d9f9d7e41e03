using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.ModelServer.Bootstrap;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Storage;

namespace NeuronGuard.ModelServer.Embedded;

/// <summary>
/// Registered before the daemon's store cache starts, so it runs first: loads the model, tells the daemon its real shape
/// (catalogs for another size are refused), logs what is served, and for the fixture puts and activates its catalog and
/// calibrated baseline, which the store cache then reads on its first sync.
/// </summary>
internal sealed class BuiltinModelBootstrap(IServiceProvider services, IOptions<BuiltinModelHostOptions> options, ILoggerFactory logging) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        var log = logging.CreateLogger("NeuronGuard.Daemon");
        var model = services.GetRequiredService<BuiltinModel>();
        services.GetRequiredService<KnownShapes>().Add(model.Shape);
        HostLog.BuiltinModel(log, model.Dir, model.Host.Info.Fingerprint, model.IsFixture ? " (the planted fixture; --model DIR serves another)" : "");
        if (!model.IsFixture)
        {
            return;
        }
        try
        {
            await FixtureBootstrap.EnsureMonitoringAsync(services.GetRequiredService<IStore>(), model.Host, model.Dir, log, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            HostLog.BootstrapSkipped(log, e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
