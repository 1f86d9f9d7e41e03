using System.Collections.Concurrent;
using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Daemon.Monitoring;

/// <summary>
/// Real model shapes (layers × MLP neurons) the daemon knows by fingerprint: today the built-in host's model. A remote
/// server's Hello carries no shape, so its catalogs are checked only against their own declared shape (docs/telemetry.md).
/// </summary>
public sealed class KnownShapes
{
    private readonly ConcurrentDictionary<string, ModelShape> _shapes = new(StringComparer.OrdinalIgnoreCase);

    public void Add(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        _shapes[shape.Fingerprint] = shape;
    }

    public ModelShape? Get(string fingerprint) => _shapes.TryGetValue(fingerprint, out var shape) ? shape : null;

    /// <summary>What is wrong with <paramref name="catalog"/> for the real model, one line; null when fine or unknown.</summary>
    public string? Problem(Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (Get(catalog.Model.Fingerprint) is not { } shape)
        {
            return null;
        }
        var problems = CatalogValidator.Check(catalog, shape);
        return problems.Count == 0 ? null : string.Join(" ", problems);
    }
}
