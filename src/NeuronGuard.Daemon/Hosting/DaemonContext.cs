using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>The daemon's shared parts, built once at start and handed to every service.</summary>
public sealed class DaemonContext
{
    public required DaemonOptions Options { get; init; }

    public required IStore Store { get; init; }

    public required StoreSync<Catalog, Baseline> Sync { get; init; }

    public required PolicyManager Policy { get; init; }

    public required ModelPlans Plans { get; init; }

    public required SessionRegistry Sessions { get; init; }

    public required FlagLog Flags { get; init; }

    public required VerdictFeed Feed { get; init; }

    /// <summary>Recent requests step by step, for Control.GetRequest.</summary>
    public RequestHistory History { get; init; } = new(new HistoryOptions());

    /// <summary>Cumulative counts for Control.GetOverview.</summary>
    public DaemonCounters Counters { get; init; } = new();

    public required IntegrityWatch Integrity { get; init; }

    public required DaemonMetrics Metrics { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILoggerFactory Logging { get; init; }

    public TelemetryOptions Telemetry => Options.Telemetry;
}
