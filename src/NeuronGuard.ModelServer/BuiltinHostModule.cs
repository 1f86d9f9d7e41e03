using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer.Bootstrap;
using NeuronGuard.ModelServer.BuiltinHost;
using NeuronGuard.Inference;
using NeuronGuard.Storage;

namespace NeuronGuard.ModelServer;

/// <summary>
/// The built-in model host inside the daemon's process, as <c>neuronguard serve</c> runs it: loads the model (the
/// planted fixture, bootstrapped into the store, unless the setting Model names another folder), serves
/// Inference.Generate on the daemon's listener, and connects to that listener as a Telemetry client like any model server.
/// </summary>
public sealed class BuiltinHostModule : IDaemonModule
{
    private readonly ModelHost _model;
    private readonly string _dir;
    private readonly bool _fixture;
    private readonly InferenceService _inference = new();
    private TelemetryModelServer? _server;
    private Task? _stopping;

    private BuiltinHostModule(ModelHost model, string dir, bool fixture)
    {
        _model = model;
        _dir = dir;
        _fixture = fixture;
    }

    /// <summary>The loaded model's shape, so the daemon refuses catalogs written for another size (issue 18 item 5).</summary>
    public NeuronGuard.Engine.Catalogs.ModelShape? Shape => new()
    {
        Fingerprint = _model.Info.Fingerprint, Layers = _model.Info.Layers, NeuronsPerLayer = _model.Info.MlpNeurons,
    };

    /// <summary>The host's Telemetry client once started; null before.</summary>
    public TelemetryModelServer? Server => _server;

    /// <summary>The value of the setting Model that asks for the planted fixture explicitly (the demo switch of the shipped configs).</summary>
    public const string FixtureModel = "fixture";

    /// <summary>
    /// The module the settings ask for, or null when Model is "none". Model unset or "fixture" serves the planted fixture
    /// (written on first use); shipped production configs say "none", their demo switches say "fixture".
    /// </summary>
    public static BuiltinHostModule? Create(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.Equals(options.Model, "none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        bool fixture = options.Model is null || string.Equals(options.Model, FixtureModel, StringComparison.OrdinalIgnoreCase);
        if (!fixture && options.Model is { } given)
        {
            if (!Directory.Exists(given))
            {
                throw new DaemonConfigurationException($"model folder '{given}' (--model, setting Model) does not exist: give a Hugging Face folder (config.json, tokenizer.json, *.safetensors), or \"none\" to run the daemon alone.");
            }
            if (!Directory.EnumerateFileSystemEntries(given).Any())
            {
                throw new DaemonConfigurationException($"model folder '{given}' (--model, setting Model) is empty: it needs config.json, tokenizer.json and *.safetensors.");
            }
        }
        string dir = fixture ? FixtureBootstrap.EnsureModel(options.DataDir) : options.Model!;
        try
        {
            return new BuiltinHostModule(ModelHost.Load(dir), dir, fixture);
        }
        catch (ModelLoadException e)
        {
            throw new DaemonConfigurationException($"cannot load the model in '{dir}' (--model, setting Model): {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    public async Task PrepareAsync(IStore store, ILogger logger, CancellationToken cancellationToken)
    {
        HostLog.BuiltinModel(logger, _dir, _model.Info.Fingerprint, _fixture ? " (the planted fixture; --model DIR serves another)" : "");
        if (!_fixture)
        {
            return;
        }
        try
        {
            await FixtureBootstrap.EnsureMonitoringAsync(store, _model, _dir, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            HostLog.BootstrapSkipped(logger, e.Message);
        }
    }

    public void AddServices(IServiceCollection services) => services.AddSingleton(_inference);

    public void MapServices(IEndpointRouteBuilder endpoints) => endpoints.MapGrpcService<InferenceService>();

    public async Task StartAsync(Uri daemon, string? token, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var server = new TelemetryModelServer(_model, new TelemetryModelServerOptions
        {
            DaemonUrl = daemon.ToString(),
            Token = token,
            ServerId = $"builtin@{Environment.MachineName}",
            ModelId = _fixture ? "fixture" : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(_dir))),
        }, logging.CreateLogger("NeuronGuard.BuiltinHost"));
        _server = server;
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        _inference.Server = server;
    }

    public void Stop()
    {
        var server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            _inference.Server = null;
            _stopping = server.DisposeAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        if (_stopping is not null)
        {
            await _stopping.ConfigureAwait(false);
        }
    }
}
