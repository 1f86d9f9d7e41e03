using System.Globalization;
using System.Text.RegularExpressions;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Daemon.Tests.Telemetry;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>
/// The metric defects a new user hit, checked on the real daemon after real stream traffic: mitigations carry their
/// real set and mode, backdoor scores fit the score buckets, and flagged requests reach a real Prometheus as exemplars.
/// Each test uses its own tenants and request ids.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class DaemonMetricDefectsTests(TelemetryDaemon d)
{
    [Fact]
    public async Task Mitigations_OnFlagAlwaysShadow_CountedOncePerRequestWithTheirSetAndMode()
    {
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "mitigation-count");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            ulong v1 = await SetAsync("backdoor", MitigationMode.OnFlag, "t-count-onflag");
            ulong v2 = await SetAsync("backdoor", MitigationMode.Always, "t-count-always");
            ulong v3 = await SetAsync("backdoor", MitigationMode.Shadow, "t-count-shadow");
            await s.ExpectAsync(m => m.PolicyUpdate?.Policy.Version >= Math.Max(v1, Math.Max(v2, v3)), "PolicyUpdate");
            await s.StartAsync("flagged", "t-count-onflag");
            await s.FrameAsync("flagged", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            Assert.True((await s.ExpectVerdictAsync("flagged")).Flagged);
            await s.FrameAsync("flagged", 3, 1, d.Frame(1, firstStep: 3)); // a later frame counts no second time
            await s.ExpectVerdictAsync("flagged");
            await s.StartAsync("always", "t-count-always");
            await s.FrameAsync("always", 0, 2, d.Frame(2));
            await s.ExpectVerdictAsync("always");
            await s.StartAsync("shadowed", "t-count-shadow");
            await s.FrameAsync("shadowed", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            await s.ExpectVerdictAsync("shadowed");
            await s.EndAsync("shadowed");
            await s.EndAsync("flagged");
            await s.EndAsync("always");
            await s.ExpectVerdictAsync("always", final: true);
        }
        await SetAsync("backdoor", MitigationMode.Off, "t-count-onflag");
        await SetAsync("backdoor", MitigationMode.Off, "t-count-always");
        await SetAsync("backdoor", MitigationMode.Off, "t-count-shadow");
        string text = await ScrapeAsync();
        Assert.Contains("neuronguard_mitigations_total{tenant=\"t-count-onflag\",set=\"backdoor\",mode=\"on_flag\"} 1\n", text);
        Assert.Contains("neuronguard_mitigations_total{tenant=\"t-count-always\",set=\"backdoor\",mode=\"always\"} 1\n", text);
        Assert.Contains("neuronguard_mitigations_total{tenant=\"t-count-shadow\",set=\"backdoor\",mode=\"shadow\"} 1\n", text);
        Assert.DoesNotMatch("neuronguard_mitigations_total\\{tenant=\"t-count-[a-z]+\",set=\"all\"", text);
        Assert.DoesNotContain("mode=\"other\"", text);
    }

    [Fact]
    public async Task BackdoorScores_FallInsideTheBuckets_RatioAboveOneWhenFlagged()
    {
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "buckets");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            await s.StartAsync("b1", "t-buckets");
            await s.FrameAsync("b1", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            await s.ExpectVerdictAsync("b1");
            await s.EndAsync("b1");
            var final = await s.ExpectVerdictAsync("b1", final: true);
            var backdoor = final.Scores.First(x => x.Detector == Detector.Backdoor);
            Assert.True(backdoor.Flagged);
            Assert.True(backdoor.Score > 20, $"backdoor score {backdoor.Score}: the old top bound was 20; this check needs a score above it");
        }
        string text = await ScrapeAsync();
        double Bucket(string name, string le) => double.Parse(Regex.Match(text,
            $"(?m)^{name}_bucket\\{{detector=\"backdoor\",le=\"{Regex.Escape(le)}\"\\}} (\\S+)$").Groups[1].Value, CultureInfo.InvariantCulture);
        double count = Bucket("neuronguard_detector_score", "+Inf");
        Assert.True(count >= 1);
        // Every backdoor score lies inside a finite bucket: none only in +Inf, as all did with bounds up to 20.
        Assert.Equal(count, Bucket("neuronguard_detector_score", DaemonMetricsBounds.TopScore));
        Assert.True(Bucket("neuronguard_detector_score", "20") < count, "backdoor scores above 20 must land above the 20 bucket");
        // Normalised by the calibrated threshold, a flagged score is above 1.
        Assert.True(Bucket("neuronguard_detector_score_ratio", "1") < Bucket("neuronguard_detector_score_ratio", "+Inf"));
    }

    [Fact]
    public async Task FlaggedRequest_ReachesARealPrometheus_AsExemplar()
    {
        string id = "ex-" + Guid.NewGuid().ToString("N")[..12];
        await using var prometheus = PrometheusProcess.Start(d.Daemon.MetricsAddress!, "--enable-feature=exemplar-storage");
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "exemplars");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            await s.StartAsync(id, "t-exemplar");
            await s.FrameAsync(id, 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            Assert.True((await s.ExpectVerdictAsync(id)).Flagged);
            await s.EndAsync(id);
            await s.ExpectVerdictAsync(id, final: true);
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var metric in new[] { "neuronguard_detector_score_bucket", "neuronguard_verdict_latency_seconds_bucket" })
        {
            string query = $"query_exemplars?query={Uri.EscapeDataString(metric)}&start={now - 600}&end={now + 600}";
            var hit = await prometheus.PollAsync(query, data => data.EnumerateArray()
                .SelectMany(series => series.GetProperty("exemplars").EnumerateArray())
                .Select(e => e.GetProperty("labels"))
                .Where(l => l.TryGetProperty("request_id", out var r) && r.GetString() == id)
                .Select(l => l.ToString()).FirstOrDefault());
            Assert.True(hit is not null, $"Prometheus returned no {metric} exemplar with request_id={id} within 60 s (exited: {prometheus.HasExited}). Its log:\n{prometheus.Log}");
        }
    }

    private async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(d.Daemon.MetricsAddress);
    }

    private async Task<ulong> SetAsync(string set, MitigationMode mode, string tenant) =>
        (await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest { Set = set, Mode = mode, Strength = 1, Tenant = tenant, Reason = "test" })).Policy.Version;
}

/// <summary>The top finite bound of neuronguard_detector_score as the exposition writes it.</summary>
internal static class DaemonMetricsBounds
{
    public static string TopScore => Daemon.Metrics.DaemonMetrics.ScoreBuckets[^1].ToString(CultureInfo.InvariantCulture);
}
