using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Infrastructure;

/// <summary>
/// One daemon for every test of a class (<c>IClassFixture</c>), for classes whose tests only read the daemon's state
/// or write under names of their own, so sharing it leaves no test depending on another's run or order. A subclass
/// says how the daemon starts; the data folder is the fixture's own and is removed with it.
/// </summary>
public abstract class SharedDaemon : IAsyncLifetime
{
    public string DataDir { get; } = Directory.CreateTempSubdirectory("ng-shared-").FullName;

    public DaemonHost Daemon { get; private set; } = null!;

    /// <summary>Starts the daemon on <paramref name="dataDir"/> (listen on port 0; metrics off or on port 0).</summary>
    protected abstract Task<DaemonHost> StartAsync(string dataDir);

    public async Task InitializeAsync() => Daemon = await StartAsync(DataDir);

    public async Task DisposeAsync()
    {
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
