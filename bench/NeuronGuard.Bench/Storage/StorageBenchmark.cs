using System.Diagnostics;
using System.Globalization;
using NeuronGuard.Storage;

namespace NeuronGuard.Bench.Storage;

/// <summary>
/// Load time of a 100k-neuron baseline from each store (against a raw read of the same bytes), policy-change
/// propagation between two replicas (p50/p99 against the 100 ms goal) and policy writes, on one Redis and on a
/// three-master Redis Cluster, each with redis-benchmark on the same servers in the same run as the reference;
/// with <c>--old-client DLL</c>, the previous build's suite (the old client) first, in the same run.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    /// <summary>100,000 neurons × (16 bins × 2 bytes + 16 bytes of statistics).</summary>
    private const int BaselineBytes = 100_000 * 48;

    /// <summary>Alternating rounds of old and new client; three give a median that one slow round cannot move.</summary>
    private const int OldClientRounds = 3;

    public string Name => "storage";

    public string Description => "store: 100k-neuron baseline load, policy propagation p50/p99, policy writes; single Redis and Cluster vs redis-benchmark [N] [--old-client DLL]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var oldAt = Array.IndexOf(args, "--old-client");
        var oldDll = oldAt >= 0 && oldAt + 1 < args.Length ? args[oldAt + 1] : null;
        var positional = args.Where((a, i) => a != "--old-client" && (oldAt < 0 || i != oldAt + 1)).ToArray();
        var changes = positional.Length > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 300;
        const int loads = 30;
        var root = FindRoot();
        var data = Directory.CreateTempSubdirectory("ng-bench-store-");
        try
        {
            var payload = new byte[BaselineBytes];
            new Random(1).NextBytes(payload);
            await using var embedded = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, DataDirectory = data.FullName });
            var embeddedPut = await StoreMeasurements.TimeAsync(() => embedded.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, payload, "bench"));
            var embeddedLoad = await StoreMeasurements.SampleAsync(loads, () => embedded.GetRecordAsync(RecordKind.Baseline, "m", "b1"));
            var fileLoad = await StoreMeasurements.SampleAsync(loads, () => File.ReadAllBytesAsync(Path.Combine(data.FullName, "store", "models", "m", "baseline", "b1.ngr")));

            // With the old client: rounds of (old build's suite in a child process, then this client), so load drift on
            // the shared machine hits both alike; the report gives medians over the rounds.
            var singles = new List<RedisFigures>();
            var olds = new List<OldClientFigures>();
            for (var round = 0; round < (oldDll is null ? 1 : OldClientRounds); round++)
            {
                if (oldDll is not null)
                {
                    olds.Add(OldClientFigures.Run(oldDll, changes));
                }
                using var redis = await RedisProcess.StartAsync();
                singles.Add(await StoreMeasurements.MeasureAsync(new RedisStoreOptions { Endpoints = [$"127.0.0.1:{redis.Port}"], KeyPrefix = "bench" },
                    payload, data.FullName, changes, loads, $"-q -n 100000 -t set,get,lpush,hset -p {redis.Port}"));
            }
            RedisFigures cluster;
            using (var nodes = await RedisClusterProcess.StartAsync())
            {
                cluster = await StoreMeasurements.MeasureAsync(new RedisStoreOptions { Endpoints = nodes.Ports.Select(p => $"127.0.0.1:{p}").ToList(), KeyPrefix = "bench" },
                    payload, data.FullName, changes, loads, $"--cluster -q -n 100000 -t set,get,lpush,hset -p {nodes.Ports[0]}");
            }
            var report = StorageReport.Write(new StorageReport.Inputs(changes, loads, BaselineBytes, Machine(), RedisVersion(), Load(), oldDll is not null,
                embeddedPut, embeddedLoad, fileLoad, singles, cluster, olds));
            var path = Path.Combine(root, "bench", "results", "storage.md");
            await File.WriteAllTextAsync(path, report, cancellationToken);
            Console.WriteLine(report);
            Console.WriteLine($"wrote {path}");
            return 0;
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static string RedisVersion() => Run("/usr/bin/redis-server", "--version").Trim();

    private static string Machine()
    {
        var model = Run("lscpu", "").Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?["Model name:".Length..].Trim();
        return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores";
    }

    private static string Load() => File.Exists("/proc/loadavg") ? "load average " + string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static string Run(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the NeuronGuard repository (NeuronGuard.sln not found above the current directory)");
    }
}
