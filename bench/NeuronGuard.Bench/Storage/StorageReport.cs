using System.Text;

namespace NeuronGuard.Bench.Storage;

/// <summary>Writes bench/results/storage.md from one run's figures.</summary>
internal static class StorageReport
{
    internal sealed record Inputs(int Changes, int Loads, int BaselineBytes, string Machine, string RedisVersion, string Load, bool WithOld,
        double EmbeddedPut, List<double> EmbeddedLoad, List<double> FileLoad, List<RedisFigures> Singles, RedisFigures Cluster, List<OldClientFigures> Olds);

    public static string Write(Inputs r)
    {
        var (single, cluster) = (r.Singles[^1], r.Cluster);
        var report = new StringBuilder();
        report.AppendLine("# Storage benchmark");
        report.AppendLine();
        report.AppendLine($"- machine: {r.Machine}");
        report.AppendLine($"- command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- storage {r.Changes}{(r.WithOld ? " --old-client OLD/bench/NeuronGuard.Bench/bin/Release/net10.0/NeuronGuard.Bench.dll" : "")}`" +
            (r.WithOld ? " where OLD is a worktree of commit a25a310 (StackExchange.Redis 1.2.6) built with `dotnet build bench/NeuronGuard.Bench -c Release`" : ""));
        report.AppendLine($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; .NET {Environment.Version}; {r.RedisVersion}; StackExchange.Redis 3.4.35 (RESP3)");
        report.AppendLine($"- baseline blob: {r.BaselineBytes:N0} bytes = 100,000 neurons × (16 bins × 2 bytes + 16 bytes stats), random bytes; " +
            "a load is one read plus the envelope's SHA-256 check (the engine's decode is not included).");
        report.AppendLine("- Redis: redis-server on loopback, no persistence, started by the suite: one node, then a Redis Cluster of three masters " +
            "(`redis-cli --cluster create`, no replicas). Every key of a deployment shares the prefix's hash tag, so one deployment lives on one master.");
        report.AppendLine($"- load statistics over {r.Loads} loads after one warm-up each; put is a single cold write.");
        report.AppendLine();
        report.AppendLine("## Baseline load (100k neurons)");
        report.AppendLine();
        report.AppendLine("| store | put ms | load p50 ms | load p90 ms | reference (same bytes, raw) p50 ms |");
        report.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        report.AppendLine($"| embedded (file, fsync on put) | {r.EmbeddedPut:F1} | {P(r.EmbeddedLoad, 50):F1} | {P(r.EmbeddedLoad, 90):F1} | File.ReadAllBytes: {P(r.FileLoad, 50):F1} |");
        report.AppendLine($"| Redis, one node | {single.Put:F1} | {P(single.Load, 50):F1} | {P(single.Load, 90):F1} | SE.Redis GET: {P(single.RawGet, 50):F1} |");
        report.AppendLine($"| Redis Cluster | {cluster.Put:F1} | {P(cluster.Load, 50):F1} | {P(cluster.Load, 90):F1} | SE.Redis GET: {P(cluster.RawGet, 50):F1} |");
        report.AppendLine();
        report.AppendLine("## Policy-change propagation between two replicas");
        report.AppendLine();
        report.AppendLine($"Replica A writes the policy (compare-and-set script) {r.Changes} times, one at a time; replica B (its own connection and " +
            "StoreSync, version check set to 1 h so only pub/sub delivers) reloads it. Propagation = A starts the write → B's cache holds the " +
            "new version and has raised Changed.");
        report.AppendLine();
        report.AppendLine("| deployment | ack p50 ms | ack p99 ms | propagated p50 ms | propagated p99 ms | propagated max ms | goal (max < 100 ms) |");
        report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (name, f) in new[] { ("one node", single), ("cluster", cluster) })
        {
            var verdict = f.Propagation.Max() < 100 ? "met" : P(f.Propagation, 99) < 100 ? "met at p99, missed at max" : "missed";
            report.AppendLine($"| {name} | {P(f.Acks, 50):F2} | {P(f.Acks, 99):F2} | {P(f.Propagation, 50):F2} | {P(f.Propagation, 99):F2} | {f.Propagation.Max():F2} | **{verdict}** |");
        }
        report.AppendLine();
        report.AppendLine("## Policy writes against redis-benchmark (same servers, same run)");
        report.AppendLine();
        report.AppendLine("Policy writes: script of HSET + INCR + LPUSH/LTRIM audit + PUBLISH, 50 in flight on one connection. Reference: " +
            "`redis-benchmark -q -n 100000 -t set,get,lpush,hset` (50 connections, no pipelining; `--cluster` for the cluster).");
        report.AppendLine();
        report.AppendLine("| deployment | policy writes/s | redis-benchmark HSET/s | ratio | redis-benchmark SET/s | GET/s | LPUSH/s |");
        report.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, f) in new[] { ("one node", single), ("cluster", cluster) })
        {
            report.AppendLine($"| {name} | {f.WritesPerSecond:N0} | {f.BenchmarkRps("HSET"):N0} | {f.WritesPerSecond / f.BenchmarkRps("HSET"):F2}x | " +
                $"{f.BenchmarkRps("SET"):N0} | {f.BenchmarkRps("GET"):N0} | {f.BenchmarkRps("LPUSH"):N0} |");
        }
        report.AppendLine();
        report.AppendLine("One deployment's keys share one hash tag, so its policy writes all go to one master: a cluster spreads many deployments " +
            "(prefixes) over its masters, not one deployment's writes. redis-benchmark `--cluster` spreads its random keys over all three.");
        if (r.Olds.Count > 0)
        {
            report.AppendLine();
            report.AppendLine("## Old client (StackExchange.Redis 1.2.6) vs new (3.4.35), one node, same run");
            report.AppendLine();
            report.AppendLine($"{r.Olds.Count} alternating rounds: the old build's own storage suite in a child process against its own redis-server, " +
                "then this build's one-node measurements (the one-node rows above are its last round). Each cell is the median over the rounds " +
                "(min–max); writes/s is also given relative to the redis-benchmark HSET figure measured beside it, which takes out some of the load drift.");
            report.AppendLine();
            report.AppendLine("| measure | 1.2.6 | 3.4.35 | new / old (medians) |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            Row(report, "baseline load p50 ms", r.Olds.Select(o => o.LoadP50), r.Singles.Select(f => P(f.Load, 50)));
            Row(report, "policy write ack p50 ms", r.Olds.Select(o => o.AckP50), r.Singles.Select(f => P(f.Acks, 50)));
            Row(report, "propagation p50 ms", r.Olds.Select(o => o.PropagationP50), r.Singles.Select(f => P(f.Propagation, 50)));
            Row(report, "propagation p99 ms", r.Olds.Select(o => o.PropagationP99), r.Singles.Select(f => P(f.Propagation, 99)));
            Row(report, "policy writes/s", r.Olds.Select(o => o.WritesPerSecond), r.Singles.Select(f => f.WritesPerSecond));
            Row(report, "policy writes / redis-benchmark HSET", r.Olds.Select(o => o.WritesPerSecond / o.HsetRps), r.Singles.Select(f => f.WritesPerSecond / f.BenchmarkRps("HSET")));
        }
        report.AppendLine();
        report.AppendLine($"Load while this ran: {r.Load} (the 2 cores are shared with other engineers' builds and tests; expect ±30% run to run).");
        return report.ToString();
    }

    private static void Row(StringBuilder report, string name, IEnumerable<double> old, IEnumerable<double> now)
    {
        var (o, n) = (old.Order().ToList(), now.Order().ToList());
        report.AppendLine($"| {name} | {Format(o[o.Count / 2])} ({Format(o[0])}–{Format(o[^1])}) | {Format(n[n.Count / 2])} ({Format(n[0])}–{Format(n[^1])}) | {n[n.Count / 2] / o[o.Count / 2]:F2}x |");
    }

    private static string Format(double value) =>
        value.ToString(value >= 100 ? "N0" : "F2", System.Globalization.CultureInfo.InvariantCulture);

    private static double P(List<double> sample, double percentile) => Percentiles.Of(sample, percentile);
}
