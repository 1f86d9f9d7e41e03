// Writes to an embedded store as fast as it can and prints "ACK ..." after each acknowledged write, until
// the test kills it with SIGKILL. Usage: NeuronGuard.Storage.CrashHelper DATA_DIR FIRST_INDEX
using System.Globalization;
using NeuronGuard.Storage;

var directory = args[0];
var first = int.Parse(args[1], CultureInfo.InvariantCulture);
// A checkpoint every 7 writes, so kills also land while state.json is being replaced and the journal truncated.
var store = await StoreFactory.OpenAsync(new StoreOptions { Kind = StoreKind.Embedded, Embedded = { Directory = directory, CheckpointAfterWrites = 7 } });
Console.Out.Flush();
for (var i = first; ; i++)
{
    if (i % 5 == 0)
    {
        var payload = new byte[64 * 1024];
        Array.Fill(payload, (byte)i);
        await store.PutRecordAsync(RecordKind.Baseline, "m", $"v{i}", 1, payload, "crash-helper");
        await store.ActivateAsync(RecordKind.Baseline, "m", $"v{i}", "crash-helper");
        Console.WriteLine($"ACK baseline v{i}");
    }
    var result = await store.TryUpdatePolicyAsync(null, [PolicyChange.Set($"k{i}", $"{{\"i\":{i}}}")], "crash-helper");
    Console.WriteLine($"ACK policy k{i} {result.Version}");
}
