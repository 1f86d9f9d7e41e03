using System.Runtime.InteropServices;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Daemon.Telemetry;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Sync;
using Catalog = NeuronGuard.Engine.Catalogs.Catalog;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// The daemon's shared parts as DI singletons (the container disposes them in reverse order of creation: the policy
/// timer, then the store cache, then the store) and the background work that starts them as hosted services, which the
/// Generic Host starts in registration order before Kestrel listens and stops in reverse.
/// </summary>
internal static class DaemonSingletons
{
    /// <summary>Registers everything <see cref="DaemonContext"/> holds; <paramref name="openStore"/> is the opened store, owned by the container.</summary>
    public static IServiceCollection AddDaemonSingletons(this IServiceCollection services, DaemonOptions options, DaemonMetrics metrics, KnownShapes shapes, Func<IStore> openStore)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(metrics);
        services.AddSingleton(shapes);
        services.AddSingleton(_ => openStore());
        services.AddSingleton(sp => new StoreSync<Catalog, Baseline>(sp.GetRequiredService<IStore>(), DecodeCatalog, DecodeBaseline,
            options.Store.Sync, options.Store.EffectiveSnapshotDirectory));
        services.AddSingleton(sp => new PolicyManager(sp.GetRequiredService<IStore>(), sp.GetRequiredService<StoreSync<Catalog, Baseline>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("NeuronGuard.Policy")));
        services.AddSingleton(sp => new ModelPlans(sp.GetRequiredService<StoreSync<Catalog, Baseline>>(), metrics, shapes)
        {
            Log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("NeuronGuard.Plans"),
            Detectors = options.TriggerScan.ToDetectorOptions(),
        });
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton(_ => new FlagLog(options.Telemetry.FlagLogSize));
        services.AddSingleton(_ => new VerdictFeed(options.Telemetry.WatchQueueSize));
        services.AddSingleton<IntegrityWatch>();
        services.AddSingleton(sp => new DaemonContext
        {
            Options = options,
            Store = sp.GetRequiredService<IStore>(),
            Sync = sp.GetRequiredService<StoreSync<Catalog, Baseline>>(),
            Policy = sp.GetRequiredService<PolicyManager>(),
            Plans = sp.GetRequiredService<ModelPlans>(),
            Sessions = sp.GetRequiredService<SessionRegistry>(),
            Flags = sp.GetRequiredService<FlagLog>(),
            Feed = sp.GetRequiredService<VerdictFeed>(),
            History = new RequestHistory(options.History),
            Integrity = sp.GetRequiredService<IntegrityWatch>(),
            Metrics = metrics,
            Time = sp.GetRequiredService<TimeProvider>(),
            Logging = sp.GetRequiredService<ILoggerFactory>(),
        });
        services.AddSingleton(sp => new TelemetryService(sp.GetRequiredService<DaemonContext>()));
        services.AddSingleton(sp => new ControlService(sp.GetRequiredService<DaemonContext>()));
        services.AddSingleton(sp => new StoreAdminService(sp.GetRequiredService<DaemonContext>()));
        services.AddSingleton(sp => new CatalogsService(sp.GetRequiredService<IStore>(), shapes));
        services.AddSingleton(sp => new BaselinesService(sp.GetRequiredService<IStore>(), options.TriggerScan.ToDetectorOptions()));
        services.AddSingleton<DenialReporter>();
        // Order matters: the store cache syncs before the context is wired, both before Kestrel accepts a call.
        services.AddHostedService<StoreSyncStarter>();
        services.AddHostedService<DaemonWiring>();
        services.AddHostedService<HangupIgnored>();
        return services;
    }

    private static Catalog DecodeCatalog(RecordInfo info, ReadOnlyMemory<byte> payload) =>
        info.FormatVersion == Catalog.CurrentFormat
            ? CatalogJson.Parse(payload.Span)
            : throw new InvalidDataException($"{info.Describe()} has catalog format {info.FormatVersion}; this build reads format {Catalog.CurrentFormat}.");

    private static Baseline DecodeBaseline(RecordInfo info, ReadOnlyMemory<byte> payload) => BaselineFormat.Read(payload.Span);

    /// <summary>Fills the store cache (snapshot, then the store) before anything reads it.</summary>
    private sealed class StoreSyncStarter(StoreSync<Catalog, Baseline> sync) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => sync.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// SIGHUP's default action ends the process with no drain and no log line (a closed terminal, a reload by habit).
    /// The daemon reads its settings at start, so it says so and goes on serving; SIGTERM/SIGINT stay the host's.
    /// </summary>
    private sealed class HangupIgnored(ILoggerFactory logging) : IHostedService, IDisposable
    {
        private PosixSignalRegistration? _registration;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var log = logging.CreateLogger("NeuronGuard.Daemon");
            _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                DaemonLog.HangupIgnored(log);
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose() => _registration?.Dispose();
    }

    /// <summary>
    /// Connects the singletons' events (policy and plan changes to sessions, store health to metrics, gRPC Health and the
    /// log) and reports NOT_SERVING as soon as shutdown begins, so load balancers and watchers stop sending new work.
    /// </summary>
    private sealed class DaemonWiring(DaemonContext ctx, HealthServiceImpl health, IHostApplicationLifetime lifetime, ILoggerFactory logging) : IHostedService
    {
        private readonly ILogger _log = logging.CreateLogger("NeuronGuard.Daemon");
        private StoreHealthReporter? _storeLog;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var metrics = ctx.Metrics;
            ctx.Policy.Changed += ctx.Sessions.PolicyChanged;
            ctx.Policy.Changed += p => PublishPolicy(metrics, p);
            PublishPolicy(metrics, ctx.Policy.Current);
            ctx.Plans.Changed += ctx.Sessions.PlanChanged;
            metrics.TrackUnmonitored(ctx.Sessions.UnmonitoredCount);
            ctx.Feed.Dropped += _ => metrics.DroppedMessage("watch");
            _storeLog = new StoreHealthReporter(_log, metrics, ctx.Time);
            ctx.Sync.HealthChanged += OnHealth;
            ctx.Sync.SubscriberFailed += (change, e) => DaemonLog.ChangeSubscriberFailed(_log, change.Kind.ToString(), e);
            OnHealth(ctx.Sync.Health);
            lifetime.ApplicationStopping.Register(() =>
            {
                SetAll(ServingStatus.NotServing);
                DaemonLog.Stopping(_log, ctx.Options.ShutdownTimeoutSeconds);
            });
            lifetime.ApplicationStopped.Register(() => DaemonLog.Stopped(_log));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            ctx.Sync.HealthChanged -= OnHealth;
            return Task.CompletedTask;
        }

        // Health/Watch hears a store change at once; Check and the publisher run the same checks (DaemonHealthChecks).
        private void OnHealth(StoreHealth h)
        {
            ctx.Metrics.SetStoreHealth(h.State, ctx.Store.IsAvailable);
            if (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                SetAll(h.CanServe ? ServingStatus.Serving : ServingStatus.NotServing);
            }
            _storeLog!.Report(h);
        }

        private void SetAll(ServingStatus status)
        {
            foreach (var service in DaemonHealthChecks.ReportedServices)
            {
                health.SetStatus(service, status);
            }
        }

        private static void PublishPolicy(DaemonMetrics metrics, EffectivePolicy policy) =>
            metrics.SetPolicy(policy.Version, policy.Entries.Select(e =>
                (e.Set, PolicyKeys.Scope(e.Tenant), e.Mode, (double)e.Strength)));
    }
}

/// <summary>Every auth denial is counted; reported ones are also logged and audited (in the background, never blocking the call).</summary>
internal sealed class DenialReporter(DaemonMetrics metrics, IStore store, ILoggerFactory logging)
{
    private readonly ILogger _log = logging.CreateLogger("NeuronGuard.Daemon");

    public void Report(AuthDenial denial)
    {
        metrics.AuthFailure(denial.Code);
        if (denial.Report)
        {
            DaemonLog.Denied(_log, denial.Method, denial.Code, denial.Caller, denial.Peer, denial.Reason);
            _ = AuditAsync(denial);
        }
    }

    private async Task AuditAsync(AuthDenial denial)
    {
        try
        {
            await store.AppendAuditAsync(new AuditEntry(denial.At, denial.Caller, AuditActions.AuthDenied, denial.Method, "",
                $"{denial.Code} from {denial.Peer}: {denial.Reason}")).ConfigureAwait(false);
        }
        catch (StoreException e)
        {
            DaemonLog.DenialNotAudited(_log, e.Message);
        }
    }
}
