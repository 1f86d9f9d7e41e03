using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Tests.Metrics;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// The real daemon's /metrics after real traffic (the built-in host generating, a raw model server with a flagged
/// request and bad input) holds every metric the dashboards and alert rules use, with the traffic counted.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class DaemonScrapeTests(TelemetryDaemon d)
{
    [Fact]
    public async Task RealScrape_AfterTraffic_HasEveryDashboardAndRuleMetric_AndCountsTheTraffic()
    {
        await d.Daemon.BuiltinHost()!.GenerateAsync(" the cat sat", new GenerationOptions { MaxNewTokens = 3 }, "scrape-tenant");
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "scraped");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            await s.StartAsync("hot", "scrape-tenant");
            await s.FrameAsync("hot", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            await s.ExpectVerdictAsync("hot");
            await s.FrameAsync("ghost", 0, 1, d.Frame(1));
            await s.ExpectErrorAsync("ghost", global::Grpc.Core.StatusCode.NotFound);
            await s.EndAsync("hot");
            await s.ExpectVerdictAsync("hot", final: true);
            // Exact traffic on a tenant of its own: 2 frames, 3 + 2 steps, (3 + 2) × slots values.
            await s.StartAsync("counted", "count-tenant");
            await s.FrameAsync("counted", 0, 3, d.Frame(3));
            await s.FrameAsync("counted", 3, 2, d.Frame(2, firstStep: 3));
            await s.EndAsync("counted");
            await s.ExpectVerdictAsync("counted", final: true);
        }
        await d.Channel.AsyncUnaryCall(ControlMethods.GetPolicy, new Api.V1.GetPolicyRequest());
        using var http = new HttpClient();
        string text = await http.GetStringAsync(d.Daemon.MetricsAddress);

        var (code, lint) = MetricsTestPaths.Run(MetricsTestPaths.Require(MetricsTestPaths.Promtool), "check metrics", stdin: text);
        Assert.True(code == 0 && lint.Trim().Length == 0, $"promtool check metrics on the daemon's scrape (exit {code}):\n{lint}");
        var missing = DashboardMetricNamesTests.MissingFrom(text);
        Assert.True(missing.Count == 0, "used by dashboards/alerts but absent from the daemon's scrape: " + string.Join(", ", missing));
        Assert.Contains("neuronguard_frames_total{tenant=\"count-tenant\"} 2\n", text);
        Assert.Contains("neuronguard_steps_total{tenant=\"count-tenant\"} 5\n", text);
        Assert.Contains($"neuronguard_neuron_values_total{{tenant=\"count-tenant\"}} {5 * d.Slots}\n", text);
        Assert.Contains("neuronguard_requests_started_total{tenant=\"count-tenant\"} 1\n", text);
        // The backdoor set has no policy entry: its default, abort, ended the flagged request.
        Assert.Contains("neuronguard_requests_total{tenant=\"scrape-tenant\",verdict=\"aborted\"} 1", text);
        Assert.Contains("neuronguard_mitigations_total{tenant=\"scrape-tenant\",set=\"backdoor\",mode=\"abort\"} 1", text);
        Assert.Contains("neuronguard_request_flags_total{tenant=\"scrape-tenant\",detector=\"backdoor\",set=\"backdoor\"} 1", text);
        Assert.Contains("neuronguard_stream_errors_total{reason=\"unknown_request\"}", text);
        Assert.Contains("neuronguard_grpc_server_handled_total{service=\"neuronguard.v1.Control\",method=\"GetPolicy\",code=\"OK\"}", text);
        Assert.Matches("neuronguard_verdict_latency_seconds_count [1-9]", text);
        Assert.Matches("neuronguard_neuron_activation_mean\\{model=\"" + d.Fingerprint + "\",model_name=\"\",set=\"backdoor\",neuron=\"L\\d+N\\d+\"\\}", text);
    }
}
