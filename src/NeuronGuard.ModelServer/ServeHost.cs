using Microsoft.Extensions.DependencyInjection;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.ModelServer.Embedded;

namespace NeuronGuard.ModelServer;

/// <summary>The daemon composed with the built-in model host the settings ask for: what <c>neuronguard serve</c> runs.</summary>
public static class ServeHost
{
    /// <summary>Starts the daemon and, unless Model is "none", the built-in host; returns once the host has its Welcome.</summary>
    public static async Task<DaemonHost> StartAsync(DaemonOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // A busy port or a missing model folder is reported before the model loads and the fixture calibrates.
        ListenProbe.EnsureFree(options);
        var model = BuiltinModelHostOptions.From(options);
        if (!model.Enabled)
        {
            return await DaemonHost.StartAsync(options, cancellationToken).ConfigureAwait(false);
        }
        // Loaded here, not by the bootstrap: a bad model folder is one line (exit 2) before the store opens, and never a
        // "Hosting failed to start" stack trace. The registered instance takes the place of the lazy load.
        var loaded = BuiltinModel.Load(model);
        var daemon = await DaemonHost.StartAsync(options, services => services.AddSingleton(loaded).AddBuiltinModelHost(model.CopyTo),
            endpoints => endpoints.MapBuiltinModelHost(), cancellationToken).ConfigureAwait(false);
        try
        {
            await daemon.Services.GetRequiredService<BuiltinModelHost>().Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await daemon.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return daemon;
    }

    /// <summary>The built-in host's Telemetry client, or null when the daemon runs without one (Model = "none").</summary>
    public static TelemetryModelServer? BuiltinHost(this DaemonHost daemon) =>
        (daemon ?? throw new ArgumentNullException(nameof(daemon))).Services.GetService<BuiltinModelHost>()?.Server;
}
