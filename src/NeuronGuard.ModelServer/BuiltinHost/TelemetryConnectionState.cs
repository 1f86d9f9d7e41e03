namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>Where the model server's Telemetry stream stands.</summary>
public enum TelemetryConnectionState
{
    /// <summary>Not started, or disposed.</summary>
    Stopped,

    /// <summary>Opening the stream or waiting for Welcome.</summary>
    Connecting,

    /// <summary>Welcome received; requests are monitored.</summary>
    Connected,

    /// <summary>The stream broke; waiting to reconnect (requests are refused, running ones continue unmonitored).</summary>
    Reconnecting,
}
