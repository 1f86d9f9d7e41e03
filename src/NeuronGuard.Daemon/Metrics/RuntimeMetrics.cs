using System.Globalization;
using System.Reflection;
using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>
/// Process and .NET runtime metrics an operator needs (CPU, memory, GC, thread pool, exceptions, file descriptors),
/// all read at scrape time (nothing on the hot path). prometheus-net's <see cref="DotNetStats"/> supplies what it has and
/// passes <c>promtool check metrics</c>; its EventCounter and Meter adapters (~75 families, some failing the lint) are not
/// registered on our registry. The rest is ours, below. docs/metrics.md lists the result.
/// </summary>
internal static class RuntimeMetrics
{
    private const string FdDirectory = "/proc/self/fd";

    /// <summary>First-chance exceptions in the process, counted once for every registry.</summary>
    private static long s_exceptions;

    static RuntimeMetrics() => AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref s_exceptions);

    public static void Register(CollectorRegistry registry, IMetricFactory f, string buildInfoName, Assembly versionOf)
    {
        DotNetStats.Register(registry);
        var rss = f.CreateGauge("process_resident_memory_bytes", "Resident memory size of the process, in bytes.");
        var fds = f.CreateGauge("process_open_fds", "Open file descriptors of the process (entries of /proc/self/fd; 0 where that does not exist).");
        var maxFds = f.CreateGauge("process_max_fds", "Most file descriptors the process may open (its soft RLIMIT_NOFILE; 0 where unknown).");
        var allocated = f.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the .NET heaps since the process started.");
        var committed = f.CreateGauge("dotnet_gc_committed_bytes", "Memory the .NET garbage collector has committed, in bytes (as of the last collection).");
        var pause = f.CreateCounter("dotnet_gc_pause_seconds_total", "Time the .NET runtime was paused by garbage collections since the process started, in seconds.");
        var threads = f.CreateGauge("dotnet_threadpool_threads", "Thread-pool threads that currently exist.");
        var queue = f.CreateGauge("dotnet_threadpool_queue_length", "Work items queued to the thread pool and not yet started.");
        var completed = f.CreateCounter("dotnet_threadpool_completed_items_total", "Work items the thread pool has completed since the process started.");
        var contentions = f.CreateCounter("dotnet_lock_contentions_total", "Times a thread waited on a contended Monitor lock since the process started.");
        var exceptions = f.CreateCounter("dotnet_exceptions_total", "Exceptions thrown (first chance, caught or not) since the process started.");
        var version = versionOf.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? versionOf.GetName().Version?.ToString() ?? "unknown";
        f.CreateGauge(buildInfoName, "Always 1; the version label says which build of the daemon runs.", ["version"]).WithLabels(version).Set(1);
        maxFds.Set(MaxOpenFiles());

        registry.AddBeforeCollectCallback(() =>
        {
            rss.Set(Environment.WorkingSet);
            fds.Set(Directory.Exists(FdDirectory) ? Directory.EnumerateFileSystemEntries(FdDirectory).Count() : 0);
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            committed.Set(GC.GetGCMemoryInfo().TotalCommittedBytes);
            pause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
            threads.Set(ThreadPool.ThreadCount);
            queue.Set(ThreadPool.PendingWorkItemCount);
            completed.IncTo(ThreadPool.CompletedWorkItemCount);
            contentions.IncTo(Monitor.LockContentionCount);
            exceptions.IncTo(Interlocked.Read(ref s_exceptions));
        });
    }

    /// <summary>The soft "Max open files" limit from /proc/self/limits, or 0 where that file does not exist.</summary>
    private static double MaxOpenFiles()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 0 } && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var soft) ? soft : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
