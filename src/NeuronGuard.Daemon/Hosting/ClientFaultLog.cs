using Microsoft.Extensions.Logging;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Client faults (a request that does not parse, a malformed message) as one short line each at information level,
/// at most 5 per 10 seconds; the next line after a burst says how many were suppressed. Never a stack trace: the fault
/// is the client's, and a flood of bad requests must not fill the log (10,000 of them write a few KB).
/// </summary>
public sealed partial class ClientFaultLog(ILoggerFactory logging) : IDisposable
{
    private readonly ILogger _logger = logging.CreateLogger("NeuronGuard.ClientFaults");
    private readonly ReportLimiter _limiter = new(5, TimeSpan.FromSeconds(10));

    /// <summary>Faults seen, logged or not.</summary>
    public long Total => _limiter.Total;

    /// <summary>Faults counted but not logged.</summary>
    public long Suppressed => _limiter.Suppressed;

    public void RequestNotParsed(string method, string reason) => Fault(method, reason);

    /// <summary>One client fault on <paramref name="method"/>; <paramref name="reason"/> is cut to 160 characters.</summary>
    public void Fault(string method, string reason)
    {
        if (!_limiter.TryAcquire(out long leftOut))
        {
            return;
        }
        if (reason.Length > 160)
        {
            reason = string.Concat(reason.AsSpan(0, 160), "...");
        }
        if (leftOut > 0)
        {
            LogAfterBurst(_logger, method, reason, leftOut);
        }
        else
        {
            LogFault(_logger, method, reason);
        }
    }

    public void Dispose() => _limiter.Dispose();

    [LoggerMessage(130, LogLevel.Information, "client fault on {Method}: {Reason}")]
    private static partial void LogFault(ILogger logger, string method, string reason);

    [LoggerMessage(131, LogLevel.Information, "client fault on {Method}: {Reason} (suppressed {Count} similar since the last line)")]
    private static partial void LogAfterBurst(ILogger logger, string method, string reason, long count);
}
