using System.Reflection;
using System.Runtime.Loader;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Bench.Metrics;

/// <summary>
/// What a session does to the metrics per scored frame (<c>TenantMetrics.Frame</c>, the verdict latency, 8 neuron
/// means), as delegates, so the current build and an older one loaded from its bin folder are called the same way.
/// </summary>
internal sealed record FrameMetrics(Action<int, int> Frame, Action<double> Latency, Action<float>[] Neurons)
{
    public const int NeuronsPerFrame = 8;

    /// <summary>The current build: prometheus-net under <see cref="DaemonMetrics"/>.</summary>
    public static FrameMetrics Current()
    {
        var metrics = new DaemonMetrics(new MetricsOptions());
        var tenant = metrics.ForTenant("bench");
        var neurons = Enumerable.Range(0, NeuronsPerFrame).Select(i => metrics.Neuron("bench-model", "toxicity", 0, i, 0f)).ToArray();
        return new FrameMetrics(tenant.Frame, metrics.ObserveVerdictLatency, neurons.Select(n => (Action<float>)n.Observe).ToArray());
    }

    /// <summary>
    /// The build in <paramref name="binDirectory"/> (e.g. commit a25a310's bench output, our own text exposition), loaded
    /// into its own load context and bound by reflection to the same calls; its API then was
    /// <c>Neuron(set, layer, neuron, baseline)</c>.
    /// </summary>
    public static FrameMetrics Load(string binDirectory)
    {
        var (metrics, metricsType) = NewOldDaemonMetrics(binDirectory);
        var tenant = metricsType.GetMethod("ForTenant")!.Invoke(metrics, ["bench"])!;
        var neuron = metricsType.GetMethod("Neuron", [typeof(string), typeof(int), typeof(int), typeof(float)])
            ?? throw new InvalidOperationException($"{binDirectory}: DaemonMetrics.Neuron(set, layer, neuron, baseline) not found; is it the old build?");
        var neurons = Enumerable.Range(0, NeuronsPerFrame).Select(i => neuron.Invoke(metrics, ["toxicity", 0, i, 0f])!).ToArray();
        return new FrameMetrics(
            Bind<Action<int, int>>(tenant, "Frame"),
            Bind<Action<double>>(metrics, "ObserveVerdictLatency"),
            neurons.Select(n => Bind<Action<float>>(n, "Observe")).ToArray());
    }

    /// <summary>The old build's daemon metrics with <paramref name="tenants"/> tenants' requests ended; returns its scrape.</summary>
    public static Action OldScrape(string binDirectory, int tenants, string[] verdicts)
    {
        var (metrics, metricsType) = NewOldDaemonMetrics(binDirectory, tenants);
        var forTenant = metricsType.GetMethod("ForTenant")!;
        for (int i = 0; i < tenants * verdicts.Length; i++)
        {
            var tenant = forTenant.Invoke(metrics, ["tenant-" + (i / verdicts.Length)])!;
            Bind<Action<string>>(tenant, "RequestEnded")(verdicts[i % verdicts.Length]);
        }
        var registry = metricsType.GetProperty("Registry")!.GetValue(metrics)!;
        var write = registry.GetType().GetMethod("WriteToBuffer")
            ?? throw new InvalidOperationException($"{binDirectory}: MetricRegistry.WriteToBuffer() not found; is it the old build?");
        return () => write.Invoke(registry, null);
    }

    private static (object Metrics, Type Type) NewOldDaemonMetrics(string binDirectory, int maxTenants = 50)
    {
        var daemon = Contexts.GetOrAdd(Path.GetFullPath(binDirectory), dir => new DirectoryLoadContext(dir))
            .LoadFromAssemblyPath(Path.Combine(Path.GetFullPath(binDirectory), "NeuronGuard.Daemon.dll"));
        var optionsType = daemon.GetType("NeuronGuard.Daemon.Metrics.MetricsOptions", throwOnError: true)!;
        var metricsType = daemon.GetType("NeuronGuard.Daemon.Metrics.DaemonMetrics", throwOnError: true)!;
        var options = Activator.CreateInstance(optionsType)!;
        optionsType.GetProperty("MaxTenants")!.SetValue(options, maxTenants);
        return (Activator.CreateInstance(metricsType, options)!, metricsType);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DirectoryLoadContext> Contexts = new();

    /// <summary>One frame's updates, exactly as the session makes them.</summary>
    public void Apply(int width, ReadOnlySpan<float> row, double latency)
    {
        Frame(1, width);
        Latency(latency);
        for (int n = 0; n < Neurons.Length; n++)
        {
            Neurons[n](row[n]);
        }
    }

    private static T Bind<T>(object target, string method) where T : Delegate
    {
        var parameters = typeof(T).GetMethod("Invoke")!.GetParameters().Select(p => p.ParameterType).ToArray();
        var m = target.GetType().GetMethod(method, BindingFlags.Public | BindingFlags.Instance, parameters)
            ?? throw new InvalidOperationException($"{target.GetType().Name}.{method}({string.Join(", ", parameters.Select(p => p.Name))}) not found.");
        return (T)Delegate.CreateDelegate(typeof(T), target, m);
    }

    /// <summary>Resolves the old build's own assemblies from its folder; shared framework ones come from the default context.</summary>
    private sealed class DirectoryLoadContext(string directory) : AssemblyLoadContext("old-build")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(Path.GetFullPath(directory), name.Name + ".dll");
            return name.Name!.StartsWith("NeuronGuard.", StringComparison.Ordinal) && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
