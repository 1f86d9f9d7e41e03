using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>The exact text of a small registry: HELP/TYPE once, escaping, ordering, cumulative buckets, number forms.</summary>
public sealed class ExpositionGoldenTests
{
    /// <summary>Every registry's fold counter: HELP and TYPE are written even before a family has series.</summary>
    private const string DroppedFamily =
        "# HELP metrics_series_dropped_total Label combinations that arrived after their metric reached its series cap and were counted under label values \"other\" instead.\n" +
        "# TYPE metrics_series_dropped_total counter\n";

    [Fact]
    public void Small_registry_writes_the_exact_text_format()
    {
        var r = new MetricRegistry();
        var requests = r.Counter("app_requests_total", "Requests handled.\nSecond line with \\ backslash.");
        requests.Inc();
        requests.Inc(2);
        var states = r.GaugeFamily("app_states", "Says \"hi\"; one series per kind.", "kind");
        states.WithLabels("whole").Set(12345678901234);
        states.WithLabels("small").Set(0.001);
        states.WithLabels("big").Set(1e21);
        states.WithLabels("inf").Set(double.PositiveInfinity);
        states.WithLabels("neg").Set(double.NegativeInfinity);
        states.WithLabels("nan").Set(double.NaN);
        var latency = r.HistogramFamily("app_latency_seconds", "Latency.", [0.1, 1], "path", "method");
        var odd = latency.WithLabels("/a\"b\\c\nd", "GET");
        odd.Observe(0.0625);
        odd.Observe(0.5);
        odd.Observe(4);
        latency.WithLabels("/", "POST").Observe(0.1); // le is inclusive

        const string expected = """
            # HELP app_latency_seconds Latency.
            # TYPE app_latency_seconds histogram
            app_latency_seconds_bucket{path="/",method="POST",le="0.1"} 1
            app_latency_seconds_bucket{path="/",method="POST",le="1"} 1
            app_latency_seconds_bucket{path="/",method="POST",le="+Inf"} 1
            app_latency_seconds_sum{path="/",method="POST"} 0.1
            app_latency_seconds_count{path="/",method="POST"} 1
            app_latency_seconds_bucket{path="/a\"b\\c\nd",method="GET",le="0.1"} 1
            app_latency_seconds_bucket{path="/a\"b\\c\nd",method="GET",le="1"} 2
            app_latency_seconds_bucket{path="/a\"b\\c\nd",method="GET",le="+Inf"} 3
            app_latency_seconds_sum{path="/a\"b\\c\nd",method="GET"} 4.5625
            app_latency_seconds_count{path="/a\"b\\c\nd",method="GET"} 3
            # HELP app_requests_total Requests handled.\nSecond line with \\ backslash.
            # TYPE app_requests_total counter
            app_requests_total 3
            # HELP app_states Says "hi"; one series per kind.
            # TYPE app_states gauge
            app_states{kind="big"} 1E+21
            app_states{kind="inf"} +Inf
            app_states{kind="nan"} NaN
            app_states{kind="neg"} -Inf
            app_states{kind="small"} 0.001
            app_states{kind="whole"} 12345678901234
            {{DROPPED}}
            """;
        Assert.Equal(expected.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("{{DROPPED}}", DroppedFamily, StringComparison.Ordinal), r.Scrape());
    }

    [Fact]
    public void Stream_output_equals_buffer_output()
    {
        var r = new MetricRegistry();
        r.Counter("x_total", "X.").Inc(7);
        using var ms = new MemoryStream();
        r.WriteTo(ms);
        Assert.Equal(DroppedFamily + "# HELP x_total X.\n# TYPE x_total counter\nx_total 7\n", System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    [Fact]
    public void Naming_mistakes_are_rejected_with_a_fix()
    {
        var r = new MetricRegistry();
        var e = Assert.Throws<ArgumentException>(() => r.Counter("frames", "F."));
        Assert.Contains("frames_total", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => r.Gauge("bad-name", "B."));
        Assert.Throws<ArgumentException>(() => r.HistogramFamily("h_seconds", "H.", [1], "le"));
        Assert.Throws<ArgumentException>(() => r.HistogramFamily("h2_seconds", "H.", [2, 1]));
        r.Gauge("dup", "D.");
        Assert.Throws<InvalidOperationException>(() => r.Gauge("dup", "D."));
        var fam = r.CounterFamily("two_total", "T.", "a", "b");
        Assert.Throws<ArgumentException>(() => fam.WithLabels("only-one"));
        Assert.Throws<ArgumentOutOfRangeException>(() => fam.WithLabels("x", "y").Inc(-1));
    }

    [Fact]
    public void Collectors_run_before_each_scrape()
    {
        var r = new MetricRegistry();
        var g = r.Gauge("scrapes", "Scrapes so far.");
        r.AddCollector(() => g.Inc());
        r.Scrape();
        Assert.Contains("\nscrapes 2\n", r.Scrape(), StringComparison.Ordinal);
    }
}
