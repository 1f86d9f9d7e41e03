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
}
