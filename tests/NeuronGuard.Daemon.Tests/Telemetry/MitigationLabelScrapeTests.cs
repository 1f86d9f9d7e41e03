using System.Text.RegularExpressions;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Control;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Issue 24: the mode labels a real daemon exports after real policy writes (gRPC Control API) are the words the docs
/// and <c>neuronguard_mitigations_total</c> use: on-flag is <c>on_flag</c> in both families, never <c>onflag</c>.
/// Label values are read from a live scrape, not from strings the test passed in.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed partial class MitigationLabelScrapeTests(TelemetryDaemon d)
{
    [Fact]
    public async Task LiveScrape_AfterPolicyWrites_ModeLabelsMatchTheDocsAndTheMitigationCounter()
    {
        var modes = new[] { MitigationMode.OnFlag, MitigationMode.Always, MitigationMode.Shadow, MitigationMode.Abort };
        foreach (var mode in modes)
        {
            await d.Channel.AsyncUnaryCall(ControlMethods.SetMitigation, new SetMitigationRequest
            {
                Set = "backdoor", Mode = mode, Strength = 1f, Tenant = $"t-label-{(int)mode}", Reason = "label test",
            });
        }
        // A flagged request under on_flag counts one mitigation.
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "labels");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            string tenant = $"t-label-{(int)MitigationMode.OnFlag}";
            await s.StartAsync("hot", tenant);
            await s.FrameAsync("hot", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            await s.ExpectAsync(m => m.Attenuate?.RequestId == "hot", "Attenuate");
            await s.EndAsync("hot");
            await s.ExpectVerdictAsync("hot", final: true);
        }

        using var http = new HttpClient();
        string text = await http.GetStringAsync(d.Daemon.MetricsAddress);
        var exported = ModeSeries().Matches(text).ToDictionary(m => m.Groups["scope"].Value, m => m.Groups["mode"].Value);
        foreach (var mode in modes)
        {
            Assert.True(exported.TryGetValue($"tenant:t-label-{(int)mode}", out var label), $"no neuronguard_mitigation_mode series for {mode}:\n{text}");
            Assert.Equal(Labels.Mode(mode), label);
        }
        Assert.Equal("on_flag", exported[$"tenant:t-label-{(int)MitigationMode.OnFlag}"]);
        Assert.DoesNotContain("mode=\"onflag\"", text);
        // Every mode value in the scrape is one docs/metrics.md lists, and the counter spells on-flag the same way.
        string docs = await File.ReadAllTextAsync(Path.Combine(Metrics.MetricsTestPaths.RepoRoot, "docs", "metrics.md"));
        Assert.All(exported.Values, v => Assert.Contains($"`{v}`", docs));
        Assert.Matches($"neuronguard_mitigations_total\\{{tenant=\"t-label-{(int)MitigationMode.OnFlag}\",set=\"backdoor\",mode=\"on_flag\"\\}} 1", text);
    }

    [GeneratedRegex("^neuronguard_mitigation_mode\\{set=\"backdoor\",scope=\"(?<scope>[^\"]+)\",mode=\"(?<mode>[^\"]+)\"\\} 1", RegexOptions.Multiline)]
    private static partial Regex ModeSeries();
}
