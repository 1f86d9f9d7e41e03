using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Storage;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon;

/// <summary>
/// The daemon's settings. Read from the config file (<c>--config</c>, JSON, section "NeuronGuard") and then from
/// environment variables <c>NEURONGUARD__NAME</c> (e.g. <c>NEURONGUARD__LISTEN=0.0.0.0:50051</c>), later sources winning.
/// </summary>
public sealed class DaemonOptions
{
    public const string Section = "NeuronGuard";

    /// <summary>gRPC listener, host:port. Defaults to 127.0.0.1:50051 (loopback: nothing outside the pod can reach it).</summary>
    [Required]
    public string Listen { get; set; } = "127.0.0.1:50051";

    /// <summary>PEM certificate file for TLS on the gRPC listener. Defaults to null (cleartext HTTP/2).</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>PEM private key matching <see cref="TlsCertificate"/>. Defaults to null.</summary>
    public string? TlsKey { get; set; }

    /// <summary>Largest message accepted, in bytes. Defaults to 4,194,304 (4 MiB).</summary>
    [Range(1, int.MaxValue)]
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Serve gRPC server reflection (<c>grpc.reflection.v1alpha</c> and <c>v1</c>), so tools such as grpcurl and
    /// Postman can list the services and their messages. Defaults to true; needs role viewer when tokens are set.
    /// </summary>
    public bool Reflection { get; set; } = true;

    /// <summary>
    /// Most TCP connections the gRPC listener keeps at once; further ones are refused until some close (existing
    /// connections keep being served). Defaults to 0: derived from the open-file limit, ¾ of (limit − 128), at most
    /// 10,000 (768 with the common limit of 1,024).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxConnections { get; set; }

    /// <summary>
    /// Seconds a connection may stay idle (no call in flight) before it is closed. Defaults to 130 (Kestrel's).
    /// Clients with keepalive pings on idle connections (the CLI, the built-in host, grpcio with keepalive) are unaffected.
    /// </summary>
    [Range(0.001, 86_400)]
    public double IdleConnectionTimeoutSeconds { get; set; } = 130;

    /// <summary>Per-address limit, maximum age and grace of gRPC connections (docs/settings: Connections).</summary>
    public Hosting.Connections.ConnectionPolicyOptions Connections { get; set; } = new();

    /// <summary>How long in-flight calls get to finish on SIGTERM before they are cancelled, in seconds. Defaults to 10.</summary>
    [Range(0, 3_600)]
    public double ShutdownTimeoutSeconds { get; set; } = 10;

    /// <summary>Where the embedded store keeps its data. Defaults to ~/.neuronguard.</summary>
    public string DataDir { get; set; } = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".neuronguard");

    /// <summary>
    /// The built-in model host served in the same process by <c>neuronguard serve</c> (src/NeuronGuard.ModelServer) (a Hugging Face folder: config.json, safetensors,
    /// tokenizer.json). Defaults to null: the planted fixture under {DataDir}/fixture, with its catalog and a calibrated
    /// baseline put into the store on first start. "none" runs the daemon alone (model servers connect over Telemetry).
    /// </summary>
    public string? Model { get; set; }

    /// <summary>
    /// Bearer token the in-process built-in host presents to this daemon (role ingest) when Auth has tokens.
    /// Defaults to null (no token: fine for the loopback default without tokens).
    /// </summary>
    public string? BuiltinHostToken { get; set; }

    /// <summary>PEM CA certificate(s) that client certificates must chain to. Defaults to null (no client certificates).</summary>
    public string? TlsClientCa { get; set; }

    /// <summary>Refuse TLS clients without a certificate from <see cref="TlsClientCa"/>. Defaults to false (optional).</summary>
    public bool TlsRequireClientCertificate { get; set; }

    /// <summary>Catalog, baseline, policy and audit store (section Store). Defaults to the embedded store under {DataDir}/store.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>Bearer tokens and roles (section Auth). Defaults to none: loopback listeners then accept every call.</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>The Prometheus /metrics listener and label bounds (section Metrics).</summary>
    [ValidateObjectMembers]
    public MetricsOptions Metrics { get; set; } = new();

    /// <summary>The operators' web console at /console on the metrics/admin listener (section Console).</summary>
    public WebConsole.ConsoleOptions Console { get; set; } = new();

    /// <summary>Per-stream limits of model-server connections (section Telemetry).</summary>
    [ValidateObjectMembers]
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The history of recent requests Control.GetRequest answers from.</summary>
    [ValidateObjectMembers]
    public Monitoring.HistoryOptions History { get; set; } = new();

    /// <summary>The HTTP/JSON API on the admin listener (docs/http.md).</summary>
    [ValidateObjectMembers]
    public Http.HttpApiOptions Http { get; set; } = new();

    /// <summary>The trigger scan's signal and m for every plan (section TriggerScan; docs/telemetry.md).</summary>
    [ValidateObjectMembers]
    public Monitoring.TriggerScanOptions TriggerScan { get; set; } = new();

    /// <summary>Minimum log level (Trace, Debug, Information, Warning, Error). Defaults to Information.</summary>
    public string LogLevel { get; set; } = "Information";
}

/// <summary>
/// Checks every section's ranges at start-up (source-generated from the attributes; no reflection): a setting such as
/// <c>Telemetry:MaxValuesPerMessage = 0</c>, which would refuse every frame, stops the daemon with one line instead.
/// </summary>
[OptionsValidator]
public sealed partial class DaemonOptionsValidator : IValidateOptions<DaemonOptions>
{
}
