using Microsoft.Extensions.Logging;

namespace NeuronGuard.ModelServer.BuiltinHost;

internal static partial class HostLog
{
    [LoggerMessage(300, LogLevel.Information, "Built-in host connected to {Url}: {Slots} slots, catalog '{Catalog}', policy version {Policy}")]
    public static partial void Welcomed(ILogger logger, string url, int slots, string catalog, ulong policy);

    [LoggerMessage(301, LogLevel.Warning, "Built-in host: Telemetry stream to {Url} failed ({Reason}); reconnecting in {DelayMs} ms")]
    public static partial void StreamBroke(ILogger logger, string url, string reason, double delayMs);

    [LoggerMessage(302, LogLevel.Warning, "Built-in host: daemon says about the stream: {Message} (code {Code})")]
    public static partial void StreamError(ILogger logger, string message, int code);

    [LoggerMessage(303, LogLevel.Warning, "Built-in host: {Problem}")]
    public static partial void BadWelcome(ILogger logger, string problem);

    [LoggerMessage(304, LogLevel.Information, "Built-in host: new catalog '{Catalog}' ({Slots} slots) for requests started from now on")]
    public static partial void Rewelcomed(ILogger logger, string catalog, int slots);

    [LoggerMessage(305, LogLevel.Information, "built-in model host: {Dir}, fingerprint {Fingerprint}{Note}")]
    public static partial void BuiltinModel(ILogger logger, string dir, string fingerprint, string note);

    [LoggerMessage(306, LogLevel.Warning, "the fixture's catalog and baseline were not stored (the store is unavailable): {Reason}")]
    public static partial void BootstrapSkipped(ILogger logger, string reason);

    [LoggerMessage(307, LogLevel.Error, "the built-in model host could not start, stopping the daemon: {Reason}")]
    public static partial void BuiltinHostFailed(ILogger logger, string reason);

    [LoggerMessage(308, LogLevel.Warning, "the daemon sent {Message} for request '{RequestId}', which is not running on this stream (ended already, or never started here); it was ignored")]
    public static partial void UnknownRequest(ILogger logger, string message, string requestId);
}
