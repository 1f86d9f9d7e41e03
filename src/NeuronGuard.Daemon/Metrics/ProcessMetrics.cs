using System.Diagnostics;
using System.Reflection;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>Process and .NET runtime basics, read at scrape time by a collector (nothing on the hot path).</summary>
public static class ProcessMetrics
{
    private const string FdDirectory = "/proc/self/fd";

    /// <summary>Registers process_* and dotnet_* metrics and <c>{prefix}build_info{version}</c> on <paramref name="registry"/>.</summary>
    public static void Register(MetricRegistry registry, string buildInfoName, Assembly versionOf)
    {
        var cpu = registry.Counter("process_cpu_seconds_total", "Total user and system CPU time spent by the process, in seconds.");
        var rss = registry.Gauge("process_resident_memory_bytes", "Resident memory size of the process, in bytes.");
        var start = registry.Gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.");
        var fds = registry.Gauge("process_open_fds", "Open file descriptors of the process (entries of /proc/self/fd; 0 where that does not exist).");
        var heap = registry.Gauge("dotnet_gc_heap_bytes", "Bytes the .NET garbage collector currently counts as allocated on its heaps.");
        var allocated = registry.Counter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the .NET heaps since the process started.");
        var collections = registry.CounterFamily("dotnet_gc_collections_total", "Garbage collections since the process started, by generation (0, 1, 2).", "generation");
        var gens = Enumerable.Range(0, GC.MaxGeneration + 1).Select(g => collections.WithLabels(g.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        var version = versionOf.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? versionOf.GetName().Version?.ToString() ?? "unknown";
        registry.GaugeFamily(buildInfoName, "Always 1; the version label says which build of the daemon runs.", "version").WithLabels(version).Set(1);

        using (var self = Process.GetCurrentProcess())
        {
            start.Set(new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        }
        registry.AddCollector(() =>
        {
            cpu.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
            rss.Set(Environment.WorkingSet);
            heap.Set(GC.GetTotalMemory(forceFullCollection: false));
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            for (int g = 0; g < gens.Length; g++)
            {
                gens[g].IncTo(GC.CollectionCount(g));
            }
            fds.Set(Directory.Exists(FdDirectory) ? Directory.EnumerateFileSystemEntries(FdDirectory).Count() : 0);
        });
    }
}
