namespace NeuronGuard.Daemon;

/// <summary>
/// The daemon's settings. Read from the config file (<c>--config</c>, JSON, section "NeuronGuard") and then from
/// environment variables <c>NEURONGUARD__NAME</c> (e.g. <c>NEURONGUARD__LISTEN=0.0.0.0:50051</c>), later sources winning.
/// </summary>
public sealed class DaemonOptions
{
    public const string Section = "NeuronGuard";

    /// <summary>gRPC listener, host:port. Defaults to 127.0.0.1:50051 (loopback: nothing outside the pod can reach it).</summary>
    public string Listen { get; set; } = "127.0.0.1:50051";

    /// <summary>PEM certificate file for TLS on the gRPC listener. Defaults to null (cleartext HTTP/2).</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>PEM private key matching <see cref="TlsCertificate"/>. Defaults to null.</summary>
    public string? TlsKey { get; set; }

    /// <summary>Largest message accepted, in bytes. Defaults to 4,194,304 (4 MiB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long in-flight calls get to finish on SIGTERM before they are cancelled, in seconds. Defaults to 10.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 10;

    /// <summary>Where the embedded store keeps its data. Defaults to ~/.neuronguard.</summary>
    public string DataDir { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".neuronguard");

    /// <summary>Minimum log level (Trace, Debug, Information, Warning, Error). Defaults to Information.</summary>
    public string LogLevel { get; set; } = "Information";
}
