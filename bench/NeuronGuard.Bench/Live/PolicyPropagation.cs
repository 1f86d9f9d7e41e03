using System.Diagnostics;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Policies;
using Grpc.Net.Client;
using NeuronGuard.Client;

namespace NeuronGuard.Bench.Live;

/// <summary>
/// Measure 3: N connected (idle) streams; Control.SetMitigation flips a tenant-scoped mitigation between shadow and
/// off; propagation is the time from just before the call until the last stream's reader saw the PolicyUpdate with
/// the new version (arrival timestamps are taken on each reader task, so the driver's polling adds nothing). The
/// SetMitigation round trip itself (validation, versioned write with audit entry to the store, push) is reported
/// beside it. Streams acknowledge every version as a real model server does.
/// </summary>
internal static class PolicyPropagation
{
    public sealed record Result(int Streams, int Repeats, double P50Ms, double P99Ms, double MaxMs, double RpcP50Ms, double RpcP99Ms,
        double FanOutP50Ms, double FanOutP99Ms, int Acked, int Timeouts, double[] Slowest, int OverGoal);

    public static async Task<Result> RunAsync(Uri address, string fingerprint, DaemonContext ctx, int streams, int repeats, CancellationToken ct)
    {
        // Raised after every session has queued the PolicyUpdate (this handler is subscribed last): the end of the
        // store commit, so the time from here to the last arrival is the fan-out over the streams.
        long changedAt = 0;
        void OnChanged(EffectivePolicy _) => Volatile.Write(ref changedAt, Stopwatch.GetTimestamp());
        ctx.Policy.Changed += OnChanged;
        var connected = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => LiveStream.ConnectAsync(address, fingerprint, $"bench-policy-{i}")));
        var all = connected.Select(c => c.Stream).ToArray();
        using var control = DaemonChannel.Create(address);
        double toMs = 1000.0 / Stopwatch.Frequency;
        var propagation = new List<double>();
        var rpc = new List<double>();
        var fanOut = new List<double>();
        int timeouts = 0;
        ulong last = 0;
        try
        {
            for (int r = 0; r < repeats + 3; r++)
            {
                long start = Stopwatch.GetTimestamp();
                var response = await new Control.ControlClient(control).SetMitigationAsync(new SetMitigationRequest
                {
                    Set = "safety",
                    Mode = r % 2 == 0 ? MitigationMode.Shadow : MitigationMode.Off,
                    Strength = 1f,
                    Tenant = "bench-propagation",
                    Reason = "live benchmark: policy propagation",
                });
                long answered = Stopwatch.GetTimestamp();
                last = response.Policy.Version;
                long version = (long)last;
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (all.Any(s => s.Policy.Version < version) && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(1, ct);
                }
                if (all.Any(s => s.Policy.Version < version))
                {
                    timeouts++;
                    continue;
                }
                if (r >= 3) // the first few warm the JIT and connections
                {
                    propagation.Add((all.Max(s => s.Policy.At) - start) * toMs);
                    rpc.Add((answered - start) * toMs);
                    fanOut.Add((all.Max(s => s.Policy.At) - Volatile.Read(ref changedAt)) * toMs);
                }
                await Task.Delay(20, ct);
            }
            // Acks travel after the update; give them a moment, then count the streams the daemon reports at the last version.
            await Task.Delay(200, ct);
            int acked = ctx.Sessions.States().Count(s => s.ServerId.StartsWith("bench-policy-", StringComparison.Ordinal) && s.AckedVersion == last);
            var p = propagation.Order().ToArray();
            var q = rpc.Order().ToArray();
            var f = fanOut.Order().ToArray();
            return new Result(streams, p.Length, VerdictLatency.At(p, 50), VerdictLatency.At(p, 99), p.Length == 0 ? double.NaN : p[^1],
                VerdictLatency.At(q, 50), VerdictLatency.At(q, 99), VerdictLatency.At(f, 50), VerdictLatency.At(f, 99), acked, timeouts,
                p.Reverse().Take(5).ToArray(), p.Count(v => v >= LiveReport.PropagationGoalMs));
        }
        finally
        {
            ctx.Policy.Changed -= OnChanged;
            await Task.WhenAll(all.Select(s => s.DisposeAsync().AsTask()));
        }
    }
}
