using NeuronGuard.Daemon.Metrics;
using Prometheus;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>
/// The exact text prometheus-net writes for some of our families: names, help texts, label order, bucket bounds and
/// number forms in the Prometheus text format, and the exemplar of a flagged request in OpenMetrics.
/// </summary>
public sealed class ExpositionGoldenTests
{
    /// <summary>The lines of one family in <paramref name="text"/>: its HELP, TYPE and samples, in the order written.</summary>
    internal static string Family(string text, string name) => string.Concat(text.Split('\n')
        .Where(l => l == $"# HELP {name}" || l.StartsWith($"# HELP {name} ", StringComparison.Ordinal) || l.StartsWith($"# TYPE {name} ", StringComparison.Ordinal)
            || (l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ' or '_'
                && (l[name.Length] != '_' || new[] { "_bucket", "_sum", "_count", "_total", "_created" }.Any(s => l.AsSpan(name.Length).StartsWith(s)))))
        .Select(l => l + "\n"));

    [Fact]
    public void Counter_family_text_format()
    {
        var text = DaemonMetricsFixture.Exercised().Registry.Scrape();
        const string expected = """
            # HELP neuronguard_requests_total Requests whose monitoring ended, by tenant and final verdict (clean, flagged, aborted, error).
            # TYPE neuronguard_requests_total counter
            neuronguard_requests_total{tenant="acme",verdict="flagged"} 1

            """;
        Assert.Equal(expected.Replace("\r\n", "\n", StringComparison.Ordinal), Family(text, "neuronguard_requests_total"));
    }

    [Fact]
    public void Histogram_text_format_has_cumulative_buckets_and_no_exemplar()
    {
        var text = DaemonMetricsFixture.Exercised().Registry.Scrape();
        const string expected = """
            # HELP neuronguard_detector_score_ratio Final score of each request per detector divided by that detector's calibrated threshold (1 and above is flagged).
            # TYPE neuronguard_detector_score_ratio histogram
            neuronguard_detector_score_ratio_sum{detector="backdoor"} 20.3
            neuronguard_detector_score_ratio_count{detector="backdoor"} 1
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="0.1"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="0.25"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="0.5"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="0.75"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="0.9"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="1"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="1.1"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="1.25"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="1.5"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="2"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="3"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="5"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="10"} 0
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="100"} 1
            neuronguard_detector_score_ratio_bucket{detector="backdoor",le="+Inf"} 1

            """;
        Assert.Equal(expected.Replace("\r\n", "\n", StringComparison.Ordinal), Family(text, "neuronguard_detector_score_ratio"));
    }

    [Fact]
    public void OpenMetrics_carries_the_flagged_request_id_as_exemplar()
    {
        var text = DaemonMetricsFixture.Exercised().Registry.Scrape(ExpositionFormat.OpenMetricsText);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
        Assert.Matches("(?m)^neuronguard_detector_score_bucket\\{detector=\"backdoor\",le=\"1000(\\.0)?\"\\} 1 # \\{request_id=\"req-17\"\\} 812(\\.0)?", text);
        Assert.Matches("(?m)^neuronguard_verdict_latency_seconds_bucket\\{le=\"0.0005\"\\} 2 # \\{request_id=\"req-17\"\\} 0.0004", text);
        // The clean toxicity observation carries none.
        Assert.DoesNotMatch("(?m)^neuronguard_detector_score_bucket\\{detector=\"toxicity\".*#", text);
    }
}
