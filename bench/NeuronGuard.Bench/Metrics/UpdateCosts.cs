using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using NeuronGuard.Daemon.Metrics;
using Prometheus;

namespace NeuronGuard.Bench.Metrics;

/// <summary>
/// Scoring one frame at 1,000 neurons and each per-frame metric update on its own, timed in this thread's CPU time
/// (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), so the time slices the neighbours' processes take on a loaded machine do
/// not count; samples of all of them are interleaved (7 rounds of 0.2 s each after ≥ 2 s of warm-up), median kept.
/// Compares the batched <c>TenantMetrics.Frame</c> with the three prometheus-net counter increments it replaced.
/// </summary>
internal static class UpdateCosts
{
    public sealed record Row(string Update, double Ns);

    public static List<Row> Measure()
    {
        var metrics = new DaemonMetrics(new MetricsOptions());
        var tenant = metrics.ForTenant("bench");
        var f = Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());
        var frames = f.CreateCounter("f_total", "", "tenant").WithLabels("bench");
        var steps = f.CreateCounter("s_total", "", "tenant").WithLabels("bench");
        var values = f.CreateCounter("v_total", "", "tenant").WithLabels("bench");
        var neurons = Enumerable.Range(0, FrameMetrics.NeuronsPerFrame).Select(i => metrics.Neuron("bench-model", "toxicity", 0, i, 0f)).ToArray();
        var whole = FrameMetrics.Current();
        var plan = Detection.ScorerCost.SyntheticPlan(1_000, out var data);
        int width = plan.Slots.Count;
        var scorer = plan.Rent();
        int t = 0;
        double sink = 0;
        var ops = new (string Name, Action Op)[]
        {
            ("scoring one frame, 1,000 neurons (metrics off)", () =>
            {
                if (++t % 64 == 0)
                {
                    scorer.Dispose();
                    scorer = plan.Rent();
                }
                scorer.Feed(t % 64, 1, data.AsSpan(t % 64 * width, width));
                sink += scorer.Results[0].Score;
            }),
            ("all metric updates of one frame, as a session makes them", () => whole.Apply(width, data.AsSpan(++t % 64 * width, width), (t & 1023) * 1e-6)),
            ("TenantMetrics.Frame (batched: 3 interlocked adds)", () => tenant.Frame(1, width)),
            ("3 × prometheus-net Counter.Inc (the unbatched Frame before)", () => { frames.Inc(); steps.Inc(1); values.Inc(width); }),
            ("verdict-latency histogram Observe", () => metrics.ObserveVerdictLatency((++t & 1023) * 1e-6)),
            ("8 × NeuronMetrics.Observe", () =>
            {
                foreach (var n in neurons)
                {
                    n.Observe(0.5f);
                }
            }),
        };
        foreach (var (_, op) in ops)
        {
            long w0 = Now();
            while (Now() - w0 < 2_000_000_000L / ops.Length)
            {
                op();
            }
        }
        var samples = ops.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < 7; round++)
        {
            for (int i = 0; i < ops.Length; i++)
            {
                samples[i].Add(Sample(ops[i].Op));
            }
        }
        scorer.Dispose();
        GC.KeepAlive(sink);
        return [.. ops.Select((o, i) => new Row(o.Name, samples[i].Order().ElementAt(3)))];
    }

    public static void Render(StringBuilder sb, List<Row> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        double score = rows[0].Ns;
        sb.AppendLine("## Per-update cost, in thread CPU time");
        sb.AppendLine();
        sb.AppendLine("Thread CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) leaves out the time slices other processes take, which wall-clock");
        sb.AppendLine("timing on this loaded machine does not; all rows are interleaved in 7 rounds of 0.2 s, median. Share of the first row.");
        sb.AppendLine();
        sb.AppendLine("| per frame | ns (CPU) | share of scoring at 1,000 neurons |");
        sb.AppendLine("| --- | ---: | ---: |");
        foreach (var r in rows)
        {
            sb.AppendLine(inv, $"| {r.Update} | {r.Ns:N1} | {r.Ns / score * 100:N2} % |");
        }
        double all = rows[1].Ns / score;
        sb.AppendLine();
        sb.AppendLine(inv, $"Goal ≤ 1 % of scoring at 1,000 neurons: {all * 100:N2} % — {(all <= 0.01 ? "met" : "**missed**")}.");
        sb.AppendLine();
    }

    private static double Sample(Action op)
    {
        const int batch = 2_000;
        long calls = 0;
        long t0 = Now(), t;
        do
        {
            for (int k = 0; k < batch; k++)
            {
                op();
            }
            calls += batch;
            t = Now();
        }
        while (t - t0 < 200_000_000L);
        return (double)(t - t0) / calls;
    }

    /// <summary>This thread's CPU time in ns.</summary>
    private static long Now()
    {
        _ = ClockGettime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts);
        return ts.Sec * 1_000_000_000L + ts.Nsec;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGettime(int clock, out Timespec ts);
}
