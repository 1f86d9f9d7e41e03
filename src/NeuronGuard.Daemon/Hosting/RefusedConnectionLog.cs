using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Refused connections summarised per interval instead of one warning each (Kestrel's own line is filtered out):
/// a flood past the connection cap writes one line per 10 s, not one per refused connection. Counts Kestrel's
/// <c>kestrel.rejected_connections</c> instrument and the metrics port's own cap (<see cref="Refused"/>).
/// </summary>
public sealed partial class RefusedConnectionLog(ILogger<RefusedConnectionLog> logger) : BackgroundService
{
    /// <summary>The category whose per-connection "rejected" warnings this summary replaces.</summary>
    public const string KestrelConnectionsCategory = "Microsoft.AspNetCore.Server.Kestrel.Connections";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private long _refused;

    /// <summary>Counts one connection closed at accept by a cap of ours.</summary>
    public void Refused() => Interlocked.Increment(ref _refused);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Microsoft.AspNetCore.Server.Kestrel" && instrument.Name == "kestrel.rejected_connections")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _refused, value));
        listener.Start();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                long count = Interlocked.Exchange(ref _refused, 0);
                if (count > 0)
                {
                    Summary(logger, count, Interval.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(122, LogLevel.Warning, "refused {Count} connection(s) in the last {Seconds} s: a connection cap is reached (MaxConnections, Metrics:MaxConnections)")]
    private static partial void Summary(ILogger logger, long count, double seconds);
}
