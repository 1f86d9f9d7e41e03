namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>The model server has no live Telemetry stream to its daemon, so it refuses new requests.</summary>
public sealed class DaemonUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
