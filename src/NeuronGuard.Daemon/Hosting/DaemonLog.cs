using Microsoft.Extensions.Logging;

namespace NeuronGuard.Daemon.Hosting;

internal static partial class DaemonLog
{
    [LoggerMessage(100, LogLevel.Information, "NeuronGuard listening for gRPC on {Scheme}://{Address} ({Transport})")]
    public static partial void Listening(ILogger logger, string scheme, string address, string transport);

    [LoggerMessage(101, LogLevel.Information, "NeuronGuard stopping: in-flight calls have {Seconds} s to finish")]
    public static partial void Stopping(ILogger logger, double seconds);

    [LoggerMessage(102, LogLevel.Information, "NeuronGuard stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(103, LogLevel.Information, "{Message}")]
    public static partial void Auth(ILogger logger, string message);

    [LoggerMessage(104, LogLevel.Warning, "denied {Method}: {Code} for {Caller} from {Peer}: {Reason}")]
    public static partial void Denied(ILogger logger, string method, string code, string caller, string peer, string reason);

    [LoggerMessage(105, LogLevel.Information, "store: {State}: {Reason}")]
    public static partial void StoreHealth(ILogger logger, string state, string reason);

    [LoggerMessage(106, LogLevel.Information, "Prometheus metrics on {Url}")]
    public static partial void MetricsListening(ILogger logger, string url);

    [LoggerMessage(109, LogLevel.Warning, "a denied call was logged but not written to the audit log: {Reason}")]
    public static partial void DenialNotAudited(ILogger logger, string reason);

    [LoggerMessage(110, LogLevel.Error, "a store change ({Change}) was not fully applied: a subscriber failed; the store sync goes on")]
    public static partial void ChangeSubscriberFailed(ILogger logger, string change, Exception exception);

    [LoggerMessage(121, LogLevel.Warning, "SIGHUP received and ignored: settings are read at start; restart the daemon (SIGTERM drains it) to apply a changed config")]
    public static partial void HangupIgnored(ILogger logger);

    [LoggerMessage(120, LogLevel.Warning, "store: {Warning}")]
    public static partial void StoreOpenWarning(ILogger logger, string warning);

    [LoggerMessage(147, LogLevel.Warning, "model {Fingerprint}: {Warning}")]
    public static partial void PlanWarning(ILogger logger, string fingerprint, string warning);
}
