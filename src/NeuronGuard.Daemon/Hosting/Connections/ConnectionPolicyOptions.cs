namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>
/// Limits on the gRPC listener's connections (config section <c>Connections</c>), so a flood cannot keep real clients
/// out: see <see cref="ConnectionPolicy"/>. The idle limit is <c>IdleConnectionTimeoutSeconds</c>, applied to connections
/// that carry no stream however often they ping.
/// </summary>
public sealed class ConnectionPolicyOptions
{
    /// <summary>
    /// Connections one source address may hold at once; past it a new connection is closed at once. Defaults to 0:
    /// half of <c>MaxConnections</c> (at least 16), so one address cannot hold the whole cap.
    /// </summary>
    public long MaxConnectionsPerAddress { get; set; }

    /// <summary>
    /// Age after which a connection is asked to close (HTTP/2 GOAWAY: clients reconnect, as with grpc-go's
    /// MaxConnectionAge). Defaults to 0: no limit (long Telemetry streams stay on one connection).
    /// </summary>
    public double MaxConnectionAgeSeconds { get; set; }

    /// <summary>Time the streams of a connection past its age have to finish before it is closed. Defaults to 30.</summary>
    public double MaxConnectionAgeGraceSeconds { get; set; } = 30;
}
