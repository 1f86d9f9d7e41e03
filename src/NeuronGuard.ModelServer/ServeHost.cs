using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.BuiltinHost;

namespace NeuronGuard.ModelServer;

/// <summary>The daemon composed with the built-in model host the settings ask for: what <c>neuronguard serve</c> runs.</summary>
public static class ServeHost
{
    public static Task<DaemonHost> StartAsync(DaemonOptions options, CancellationToken cancellationToken = default)
    {
        // A busy port is reported before the model loads and the fixture calibrates, not seconds later.
        ListenProbe.EnsureFree(options);
        return DaemonHost.StartAsync(options, BuiltinHostModule.Create(options), cancellationToken);
    }

    /// <summary>The built-in host's Telemetry client, or null when the daemon runs without one (Model = "none").</summary>
    public static TelemetryModelServer? BuiltinHost(this DaemonHost daemon) =>
        (daemon ?? throw new ArgumentNullException(nameof(daemon))).Module is BuiltinHostModule m ? m.Server : null;
}
