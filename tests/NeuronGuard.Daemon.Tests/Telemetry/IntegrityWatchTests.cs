using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Monitoring;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>The integrity alarm follows runs of requests, not single ones, and clears when the model is healthy again.</summary>
public sealed class IntegrityWatchTests
{
    [Fact]
    public void Alarm_OnAfterARunOfTrippedRequests_OffWhenHealthyAgain_GaugeFollows()
    {
        var metrics = new DaemonMetrics(new MetricsOptions());
        var watch = new IntegrityWatch(metrics);
        for (int i = 0; i < 9; i++)
        {
            watch.Observe("safety", true);
        }
        Assert.False(watch.IsOn("safety")); // too few requests to judge a model
        watch.Observe("safety", true);
        Assert.True(watch.IsOn("safety"));
        Assert.Contains("neuronguard_integrity_alarm{set=\"safety\"} 1", metrics.Registry.Scrape());

        for (int i = 0; i < IntegrityWatch.Window - IntegrityWatch.OnTrips / 2; i++)
        {
            watch.Observe("safety", false); // the last 50 hold 5 tripped: still half of OnTrips, still on
        }
        Assert.True(watch.IsOn("safety"));
        watch.Observe("safety", false); // 4 of the last 50: off
        Assert.False(watch.IsOn("safety"));
        Assert.Contains("neuronguard_integrity_alarm{set=\"safety\"} 0", metrics.Registry.Scrape());
    }

    /// <summary>Trips at several times the calibrated rate (1 in 8) stay below the alarm; a third of requests (a subtle edit) does not.</summary>
    [Fact]
    public void Alarm_ScatteredTrips_NeverOn_ASustainedThird_On()
    {
        var watch = new IntegrityWatch(new DaemonMetrics(new MetricsOptions()));
        for (int i = 0; i < 400; i++)
        {
            watch.Observe("safety", i % 8 == 0);
            Assert.False(watch.IsOn("safety"));
        }
        for (int i = 0; i < IntegrityWatch.Window; i++)
        {
            watch.Observe("safety", i % 3 == 0);
        }
        Assert.True(watch.IsOn("safety"));
    }
}

/// <summary>End to end: a model server whose safety neurons are silent (a pruned model) raises the alarm.</summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class IntegrityAlarmStreamTests(TelemetryDaemon d)
{
    [Fact]
    public async Task SilentSafetyNeurons_RunOfRequests_AlarmOn()
    {
        var safetySlots = d.Plan.Plan!.Layout.Set("safety").Slots;
        await using var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, "pruned-model");
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        // A whole window of them: other tests on this shared daemon may have put healthy requests in the window.
        for (int r = 0; r < IntegrityWatch.Window; r++)
        {
            string id = $"pruned-{r}";
            var values = d.Frame(6);
            for (int t = 0; t < 6; t++)
            {
                foreach (int slot in safetySlots)
                {
                    values[t * d.Slots + slot] = 0f; // pruned: exactly zero at every step
                }
            }
            await s.StartAsync(id, "t-pruned");
            await s.FrameAsync(id, 0, 6, values);
            await s.EndAsync(id);
            var final = await s.ExpectVerdictAsync(id, final: true);
            Assert.Contains(final.Scores, x => x.Detector == Api.V1.Detector.Integrity && x.Flagged);
        }
        Assert.True(d.Daemon.Context.Integrity.IsOn("safety"));
        using var http = new HttpClient();
        Assert.Contains("neuronguard_integrity_alarm{set=\"safety\"} 1", await http.GetStringAsync(d.Daemon.MetricsAddress));
    }
}
