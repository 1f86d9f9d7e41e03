using System.Diagnostics;
using System.Globalization;
using System.Text;
using NeuronGuard.Daemon.Metrics;
using Prometheus;

namespace NeuronGuard.Bench.Metrics;

/// <summary>
/// What each per-frame metric update costs on its own, in the same run as the frame table: the batched
/// <c>TenantMetrics.Frame</c> against the three prometheus-net counter increments it replaced, the verdict-latency
/// histogram and a neuron's moving mean. Each is warmed (≥ 2 s of calls) and then timed over 5 budgets of 0.2 s; median.
/// </summary>
internal static class UpdateCosts
{
    public sealed record Row(string Update, double Ns);

    public static List<Row> Measure()
    {
        var metrics = new DaemonMetrics(new MetricsOptions());
        var tenant = metrics.ForTenant("bench");
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        var frames = f.CreateCounter("f_total", "", "tenant").WithLabels("bench");
        var steps = f.CreateCounter("s_total", "", "tenant").WithLabels("bench");
        var values = f.CreateCounter("v_total", "", "tenant").WithLabels("bench");
        var neuron = metrics.Neuron("bench-model", "toxicity", 0, 1, 0f);
        int i = 0;
        return
        [
            new("TenantMetrics.Frame (batched: 3 interlocked adds)", Ns(() => tenant.Frame(1, 1_000))),
            new("3 × prometheus-net Counter.Inc (the unbatched Frame before)", Ns(() => { frames.Inc(); steps.Inc(1); values.Inc(1_000); })),
            new("verdict-latency histogram Observe", Ns(() => metrics.ObserveVerdictLatency((++i & 1023) * 1e-6))),
            new("NeuronMetrics.Observe (one of 8 per frame)", Ns(() => neuron.Observe(0.5f))),
        ];
    }

    public static void Render(StringBuilder sb, List<Row> rows, double scoreNs)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("## Per-update cost");
        sb.AppendLine();
        sb.AppendLine("Each update alone, same run; share of scoring at 1,000 neurons (the frame table's scoring column).");
        sb.AppendLine();
        sb.AppendLine("| update | ns/call | share of scoring at 1,000 |");
        sb.AppendLine("| --- | ---: | ---: |");
        foreach (var r in rows)
        {
            sb.AppendLine(inv, $"| {r.Update} | {r.Ns:N1} | {r.Ns / scoreNs * 100:N2} % |");
        }
        sb.AppendLine();
    }

    private static double Ns(Action op)
    {
        const int batch = 10_000;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 2)
        {
            op();
        }
        var samples = new List<double>();
        for (int s = 0; s < 5; s++)
        {
            long calls = 0;
            sw.Restart();
            while (sw.Elapsed.TotalSeconds < 0.2)
            {
                for (int k = 0; k < batch; k++)
                {
                    op();
                }
                calls += batch;
            }
            samples.Add(sw.Elapsed.TotalSeconds * 1e9 / calls);
        }
        samples.Sort();
        return samples[2];
    }
}
