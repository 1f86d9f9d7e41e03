using NeuronGuard.Storage.Embedded;
using NeuronGuard.Storage.Redis;

namespace NeuronGuard.Storage;

/// <summary>Opens the store <see cref="StoreOptions.Kind"/> names; the daemon's only way in.</summary>
public static class StoreFactory
{
    /// <summary>
    /// Opens the store. A Redis that is down does not throw here (the store reports <see cref="IStore.IsAvailable"/>
    /// false and keeps reconnecting); bad settings and a locked embedded directory do.
    /// </summary>
    public static async Task<IStore> OpenAsync(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Kind switch
        {
            StoreKind.Embedded => new EmbeddedStore(options.Embedded.Directory ?? Path.Combine(options.DataDirectory, "store"), options.Embedded),
            StoreKind.Redis => await RedisStore.ConnectAsync(options.Redis).ConfigureAwait(false),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Store:Kind must be Embedded or Redis"),
        };
    }
}
