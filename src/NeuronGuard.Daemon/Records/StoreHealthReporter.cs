using Microsoft.Extensions.Logging;
using NeuronGuard.Storage.Sync;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// Turns the store's health changes into a log an operator can read and two metrics an alert can watch. A change of
/// state is one WARN line (INFO when it is back to serving); changes of the reason alone (each retry of an outage
/// words it anew) are counted and summarised at most once per <see cref="SummaryInterval"/>. Data loss is one ERROR
/// line saying what to do, <c>neuronguard_store_data_lost</c> 1 while it lasts, and a count of detections.
/// </summary>
public sealed class StoreHealthReporter
{
    /// <summary>How often a still-unhealthy store's suppressed changes are summarised: 5 minutes.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(5);

    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly DaemonMetrics _metrics;
    private readonly Lock _gate = new();
    private StoreHealth? _last;
    private DateTimeOffset _since;
    private DateTimeOffset _lastSummary;
    private int _suppressed;

    public StoreHealthReporter(ILogger log, DaemonMetrics metrics, TimeProvider time)
    {
        _log = log;
        _metrics = metrics;
        _time = time;
    }

    public void Report(StoreHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var last = _last;
            _last = health;
            _metrics.SetStoreDataLost(health.DataLoss is not null);
            if (health.DataLoss is { } lost && last?.DataLoss is null)
            {
                _metrics.StoreDataLossDetected();
                StoreHealthLog.DataLost(_log, lost);
            }
            else if (health.DataLoss is null && last?.DataLoss is not null)
            {
                StoreHealthLog.DataLossResolved(_log, health.Reason);
            }
            if (last is null || last.State != health.State)
            {
                _since = now;
                _lastSummary = now;
                _suppressed = 0;
                if (health.State == StoreHealthState.Serving)
                {
                    StoreHealthLog.Serving(_log, health.Reason);
                }
                else
                {
                    StoreHealthLog.StateChanged(_log, health.State.ToString(), health.Reason);
                }
                return;
            }
            _suppressed++;
            if (health.State != StoreHealthState.Serving && now - _lastSummary >= SummaryInterval)
            {
                StoreHealthLog.StillUnhealthy(_log, health.State.ToString(), _since, _suppressed, health.Reason);
                _lastSummary = now;
                _suppressed = 0;
            }
        }
    }
}

internal static partial class StoreHealthLog
{
    [LoggerMessage(130, LogLevel.Warning, "store: {State}: {Reason}")]
    public static partial void StateChanged(ILogger logger, string state, string reason);

    [LoggerMessage(131, LogLevel.Information, "store: Serving: {Reason}")]
    public static partial void Serving(ILogger logger, string reason);

    [LoggerMessage(132, LogLevel.Warning, "store: still {State} since {Since:O} ({Changes} changes of detail since the last line); now: {Reason}")]
    public static partial void StillUnhealthy(ILogger logger, string state, DateTimeOffset since, int changes, string reason);

    [LoggerMessage(133, LogLevel.Error, "store DATA LOSS: {Reason}")]
    public static partial void DataLost(ILogger logger, string reason);

    [LoggerMessage(134, LogLevel.Warning, "store data loss resolved; store: {Reason}")]
    public static partial void DataLossResolved(ILogger logger, string reason);
}

internal static partial class StoreAdminLog
{
    public static void Resolved(ILoggerFactory logging, string resolution, string caller, string outcome) =>
        Resolved(logging.CreateLogger("NeuronGuard.Store"), resolution, caller, outcome);

    [LoggerMessage(135, LogLevel.Warning, "store data loss resolved by {Caller} with {Resolution}: {Outcome}")]
    private static partial void Resolved(ILogger logger, string resolution, string caller, string outcome);
}
