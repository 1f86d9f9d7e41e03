using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Something carried in the daemon's process without the daemon knowing what it is — the built-in model host
/// (src/NeuronGuard.ModelServer), composed by the CLI. The daemon calls the steps in order: <see cref="PrepareAsync"/> before
/// the store cache starts (e.g. to put a catalog), <see cref="AddServices"/> and <see cref="MapServices"/> while the
/// gRPC server is built, <see cref="StartAsync"/> once the listener is bound (its port may have been 0), and
/// <see cref="Stop"/> as soon as shutdown begins, so its own Telemetry stream does not hold the grace period.
/// </summary>
public interface IDaemonModule : IAsyncDisposable
{
    Task PrepareAsync(IStore store, ILogger logger, CancellationToken cancellationToken);

    void AddServices(IServiceCollection services);

    void MapServices(IEndpointRouteBuilder endpoints);

    /// <param name="daemon">The bound gRPC address of this daemon.</param>
    /// <param name="token">The setting BuiltinHostToken: what an in-process client presents when tokens are configured.</param>
    Task StartAsync(Uri daemon, string? token, ILoggerFactory logging, CancellationToken cancellationToken);

    /// <summary>The served model's real shape, when this module serves one: catalogs for it are checked against it.</summary>
    Engine.Catalogs.ModelShape? Shape => null;

    /// <summary>Begins stopping without waiting; <see cref="IAsyncDisposable.DisposeAsync"/> waits.</summary>
    void Stop();
}
