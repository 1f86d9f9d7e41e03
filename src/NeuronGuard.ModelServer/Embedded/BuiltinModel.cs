using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Inference;
using NeuronGuard.ModelServer.Bootstrap;

namespace NeuronGuard.ModelServer.Embedded;

/// <summary>The model the built-in host serves, loaded once (a DI singleton, first resolved by the bootstrap).</summary>
public sealed class BuiltinModel
{
    private BuiltinModel(ModelHost host, string dir, bool fixture)
    {
        Host = host;
        Dir = dir;
        IsFixture = fixture;
    }

    public ModelHost Host { get; }

    /// <summary>The model folder (for the fixture: {DataDir}/fixture, written on first use).</summary>
    public string Dir { get; }

    public bool IsFixture { get; }

    /// <summary>What the host says in its Hello: "fixture" or the folder's name.</summary>
    public string ModelId => IsFixture ? "fixture" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Dir)));

    /// <summary>The real shape, so the daemon refuses catalogs written for another size (issue 18 item 5).</summary>
    public Engine.Catalogs.ModelShape Shape => new()
    {
        Fingerprint = Host.Info.Fingerprint, Layers = Host.Info.Layers, NeuronsPerLayer = Host.Info.MlpNeurons,
    };

    /// <summary>Writes the fixture when it is asked for and missing, then loads the model; a bad folder is one line.</summary>
    public static BuiltinModel Load(BuiltinModelHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (BuiltinModelFolderValidator.Problem(options) is { } problem)
        {
            throw new DaemonConfigurationException(problem);
        }
        string dir = options.IsFixture ? FixtureBootstrap.EnsureModel(options.DataDir) : options.Model!;
        try
        {
            return new BuiltinModel(ModelHost.Load(dir), dir, options.IsFixture);
        }
        catch (ModelLoadException e)
        {
            throw new DaemonConfigurationException($"cannot load the model in '{dir}' (--model, setting Model): {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
