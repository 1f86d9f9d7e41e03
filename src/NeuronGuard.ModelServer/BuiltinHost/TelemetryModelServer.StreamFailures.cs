namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>How a Telemetry stream can fail, as the reconnect pipeline in <see cref="TelemetryModelServer"/> tells them apart.</summary>
public sealed partial class TelemetryModelServer
{
    /// <summary>A stream that ended before its Welcome: the reconnect pipeline retries it after a backoff delay.</summary>
    private sealed class StreamBrokeException(string reason) : Exception(reason);

    /// <summary>The daemon refused the credentials <see cref="TelemetryModelServerOptions.MaxAuthRefusals"/> times in a row: not retried.</summary>
    private sealed class CredentialsRefusedException(string reason) : Exception(reason);
}
