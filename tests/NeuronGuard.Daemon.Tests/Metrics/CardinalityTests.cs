using System.Text.RegularExpressions;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>Series stay bounded however many tenants, servers or label values arrive.</summary>
public sealed partial class CardinalityTests
{
    private static readonly string[] Verdicts = ["clean", "flagged", "aborted", "error"];

    [GeneratedRegex("^neuronguard_frames_total\\{tenant=\"([^\"]*)\"\\} (\\S+)$", RegexOptions.Multiline)]
    private static partial Regex FramesLine();

    [Fact]
    public void Ten_thousand_tenants_fold_into_MaxTenants_plus_other()
    {
        var m = new DaemonMetrics(new MetricsOptions { MaxTenants = 50 });
        for (int i = 0; i < 100_000; i++)
        {
            var t = m.ForTenant("tenant-" + (i % 10_000));
            t.RequestStarted();
            t.Frame(2, 16);
            t.Flagged("toxicity", "toxicity-experts");
            t.Mitigated("toxicity-experts", "on_flag");
            t.RequestEnded(Verdicts[i % 4]);
        }
        var text = m.Registry.Scrape();
        var frames = FramesLine().Matches(text).ToDictionary(x => x.Groups[1].Value, x => double.Parse(x.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(frames.Count <= 51, $"{frames.Count} tenant values exported; expected at most MaxTenants + 1 = 51");
        Assert.Contains("other", frames.Keys);
        Assert.Equal(100_000, frames.Values.Sum()); // folded, not lost
        int series = text.Split('\n').Count(l => l.StartsWith("neuronguard_", StringComparison.Ordinal));
        Assert.True(series < 1_000, $"{series} neuronguard series after 10,000 tenants");
        var folds = Regex.Match(text, "^neuronguard_metrics_series_dropped_total\\{metric=\"tenant\"\\} (\\d+)$", RegexOptions.Multiline);
        Assert.True(folds.Success, "the fold counter for tenants is missing from the scrape");
        Assert.True(long.Parse(folds.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public void A_family_folds_beyond_MaxSeries_and_counts_each_fold()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        var dropped = f.CreateCounter("test_series_dropped_total", "Folds.", "metric");
        var fam = new BoundedFamily<Prometheus.Counter.Child>(f.CreateCounter("hits_total", "Hits.", "server"), 3, dropped);
        for (int i = 0; i < 10; i++)
        {
            fam.WithLabels("s" + i).Inc();
        }
        var text = registry.Scrape();
        Assert.Contains("hits_total{server=\"other\"} 7\n", text, StringComparison.Ordinal);
        Assert.Contains("test_series_dropped_total{metric=\"hits_total\"} 7\n", text, StringComparison.Ordinal);
        Assert.Equal(4, fam.SeriesCount);

        Assert.True(fam.Remove("s0"));
        Assert.DoesNotContain("server=\"s0\"", registry.Scrape(), StringComparison.Ordinal);
        fam.WithLabels("new").Inc(); // room again after a removal
        Assert.Contains("hits_total{server=\"new\"} 1\n", registry.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Neuron_view_exports_only_the_top_neurons_per_set()
    {
        var m = new DaemonMetrics(new MetricsOptions { TopNeurons = 3 });
        var handles = Enumerable.Range(0, 10).Select(i => m.Neuron("model-a", "toxicity", 2, i, 0.5f)).ToList();
        Assert.Equal(3, handles.Count(h => h.IsExported));
        Assert.Same(handles[0], m.Neuron("model-a", "toxicity", 2, 0, 0.5f));
        // A second model monitored by the same daemon has its own top neurons, told apart by the model label.
        var other = Enumerable.Range(0, 10).Select(i => m.Neuron("model-b", "toxicity", 2, i, 0.25f)).ToList();
        Assert.Equal(3, other.Count(h => h.IsExported));
        handles[0].Observe(1f);
        other[0].Observe(2f);
        var text = m.Registry.Scrape();
        Assert.Equal(6, Regex.Matches(text, "^neuronguard_neuron_activation_mean\\{", RegexOptions.Multiline).Count);
        Assert.Contains("neuronguard_neuron_activation_mean{model=\"model-a\",model_name=\"\",set=\"toxicity\",neuron=\"L2N0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_neuron_activation_mean{model=\"model-b\",model_name=\"\",set=\"toxicity\",neuron=\"L2N0\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_neuron_baseline_mean{model=\"model-a\",model_name=\"\",set=\"toxicity\",neuron=\"L2N0\"} 0.5\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Disconnected_servers_leave_no_series_and_policy_is_replaced()
    {
        var m = new DaemonMetrics(new MetricsOptions());
        m.ModelServerConnected("a");
        m.ModelServerConnected("b");
        m.ModelServerPolicyVersion("a", 4);
        m.ModelServerPolicyVersion("b", 5);
        m.ModelServerDisconnected("a");
        m.SetPolicy(5, [("toxicity", "", Api.V1.MitigationMode.OnFlag, 0.5)]);
        m.SetPolicy(6, [("toxicity", "acme", Api.V1.MitigationMode.Always, 1)]);
        m.StreamError("something new");
        var text = m.Registry.Scrape();
        Assert.Contains("neuronguard_model_servers_connected 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("server=\"a\"", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_model_server_policy_version{server=\"b\"} 5\n", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_policy_version 6\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("mode=\"on_flag\"", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_mitigation_mode{set=\"toxicity\",scope=\"acme\",mode=\"always\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("neuronguard_stream_errors_total{reason=\"other\"} 1\n", text, StringComparison.Ordinal);
    }
}
