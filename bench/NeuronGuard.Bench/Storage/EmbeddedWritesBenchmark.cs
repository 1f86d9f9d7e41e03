using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NeuronGuard.Storage;

namespace NeuronGuard.Bench.Storage;

/// <summary>
/// Embedded-store policy writes at 20, 2,000 and 20,000 policy entries (goal: 20,000 within 2x of 20). Each write sets
/// one entry, durably (fsync), as `ctl policy set` does; checkpoints run in the background every 1,000 writes, inside
/// the measured runs. Sizes are interleaved round by round so machine load drifts over all of them alike. Reference,
/// same run: a whole-state rewrite at that size (temp file, fsync, rename), which is what each write cost before the
/// journal. Prints a markdown section for bench/results/storage.md.
/// </summary>
internal sealed class EmbeddedWritesBenchmark : IBenchmark
{
    private static readonly int[] Sizes = [20, 2_000, 20_000];

    public string Name => "embedded-writes";

    public string Description => "embedded store: policy write latency at 20 / 2,000 / 20,000 entries vs a whole-state rewrite [WRITES-PER-ROUND] [ROUNDS]";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var perRound = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var root = Directory.CreateTempSubdirectory("ng-bench-embedded-").FullName;
        try
        {
            var stores = new Dictionary<int, IStore>();
            foreach (var size in Sizes)
            {
                var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, Embedded = { Directory = Path.Combine(root, size.ToString(CultureInfo.InvariantCulture)) } });
                await store.TryUpdatePolicyAsync(null, Enumerable.Range(0, size).Select(i => PolicyChange.Set($"set{i}/global", Entry(i, 0))).ToList(), "bench", cancellationToken);
                stores[size] = store;
            }
            var writes = Sizes.ToDictionary(s => s, _ => new List<double>());
            var rewrites = Sizes.ToDictionary(s => s, _ => new List<double>());
            for (var round = 0; round < rounds; round++)
            {
                foreach (var size in Sizes)
                {
                    var store = stores[size];
                    for (var i = 0; i < perRound; i++)
                    {
                        var t = Stopwatch.GetTimestamp();
                        await store.TryUpdatePolicyAsync(null, [PolicyChange.Set($"set{i % size}/global", Entry(i, round + 1))], "bench", cancellationToken);
                        writes[size].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                    var policy = await store.GetPolicyAsync(cancellationToken);
                    for (var i = 0; i < Math.Max(5, perRound / 40); i++)
                    {
                        var t = Stopwatch.GetTimestamp();
                        Rewrite(Path.Combine(root, $"rewrite-{size}.json"), policy);
                        rewrites[size].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                }
            }
            foreach (var store in stores.Values)
            {
                await store.DisposeAsync();
            }
            var p50At20 = Percentiles.Of(writes[20], 50);
            Console.WriteLine($"{rounds} interleaved rounds of {perRound} one-entry writes per size (fsync on), checkpoint every 1,000 writes in the background.");
            Console.WriteLine();
            Console.WriteLine("| entries | write p50 ms | write p90 ms | write p99 ms | write mean ms | p50 ÷ p50 at 20 | reference: whole-state rewrite p50 ms |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var size in Sizes)
            {
                var w = writes[size];
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {size:N0} | {Percentiles.Of(w, 50):F2} | {Percentiles.Of(w, 90):F2} | {Percentiles.Of(w, 99):F2} | {w.Average():F2} | {Percentiles.Of(w, 50) / p50At20:F2}x | {Percentiles.Of(rewrites[size], 50):F2} |"));
            }
            var ratio = Percentiles.Of(writes[20_000], 50) / p50At20;
            Console.WriteLine();
            Console.WriteLine($"goal (20,000 within 2x of 20, p50): {(ratio <= 2 ? "**met**" : "**not met**")} ({ratio.ToString("F2", CultureInfo.InvariantCulture)}x)");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Entry(int i, int round) =>
        $"{{\"set\":\"set{i}\",\"mode\":\"SHADOW\",\"strength\":1,\"updatedBy\":\"bench\",\"round\":{round},\"reason\":\"benchmark entry {i}\"}}";

    /// <summary>What a write cost before the journal: the whole state serialized, written to a temp file, fsynced and renamed.</summary>
    private static void Rewrite(string path, PolicySnapshot policy)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("policyVersion", policy.Version);
            w.WriteStartObject("policy");
            foreach (var (k, v) in policy.Entries) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        var temp = path + ".tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            f.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
