using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Redis;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Bench.Storage;

/// <summary>What the storage suite measures on one Redis deployment (single node or cluster).</summary>
internal sealed record RedisFigures(double Put, List<double> Load, List<double> RawGet, List<double> Acks, List<double> Propagation,
    double WritesPerSecond, string RedisBenchmark)
{
    /// <summary>requests per second of one redis-benchmark test ("HSET"), 0 when absent.</summary>
    public double BenchmarkRps(string test) => ParseRps(RedisBenchmark, test);

    public static double ParseRps(string output, string test)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(test + ":", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

/// <summary>The measurements behind bench/results/storage.md: baseline load, propagation between two replicas, policy writes.</summary>
internal static class StoreMeasurements
{
    public static async Task<RedisFigures> MeasureAsync(RedisStoreOptions options, byte[] payload, string data, int changes, int loads, string redisBenchmarkArgs)
    {
        await using var shared = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = options });
        var put = await TimeAsync(() => shared.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, payload, "bench"));
        var load = await SampleAsync(loads, () => shared.GetRecordAsync(RecordKind.Baseline, "m", "b1"));
        var raw = (RedisStore)shared;
        var rawGet = await SampleAsync(loads, () => raw.Connection.Database.StringGetAsync(raw.Keys.Record(RecordKind.Baseline, "m", "b1")));
        var (propagation, acks) = await PropagationAsync(options, data, changes);
        var writesPerSecond = await PolicyWritesPerSecondAsync(shared, concurrency: 50, total: 20_000);
        return new RedisFigures(put, load, rawGet, acks, propagation, writesPerSecond, RedisBenchmark(redisBenchmarkArgs));
    }

    private static async Task<(List<double> Propagation, List<double> Acks)> PropagationAsync(RedisStoreOptions redis, string data, int changes)
    {
        RecordDecoder<object> ignore = (_, p) => p;
        var options = new StoreSyncOptions { VersionCheckInterval = TimeSpan.FromHours(1) };
        await using var storeA = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = redis });
        await using var storeB = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Redis, Redis = redis });
        await using var b = new StoreSync<object, object>(storeB, ignore, ignore, options, Path.Combine(data, "snapshot-" + Guid.NewGuid().ToString("N")));
        await b.StartAsync();
        var seen = new ConcurrentDictionary<long, long>();
        var waiters = new ConcurrentDictionary<long, TaskCompletionSource>();
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

    public static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    public static async Task<List<double>> SampleAsync<T>(int count, Func<Task<T>> action)
    {
        await action();
        var sample = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            sample.Add(await TimeAsync(action));
        }
        return sample;
    }

    private static string RedisBenchmark(string args) =>
        StorageBenchmark.Run("/usr/bin/redis-benchmark", args)
            .Split('\r', '\n').Where(l => l.Contains("requests per second", StringComparison.Ordinal)).Aggregate(new StringBuilder(), (sb, l) => sb.AppendLine(l.Trim())).ToString();
}
