using System.Net;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary><c>promtool</c> (Debian package prometheus) checks a real HTTP scrape and the shipped alert rules.</summary>
public sealed class PromtoolTests
{
    [Fact]
    public async Task Promtool_check_metrics_accepts_a_real_scrape()
    {
        var promtool = MetricsTestPaths.Require(MetricsTestPaths.Promtool);
        var metrics = DaemonMetricsFixture.Exercised();
        await using var server = await MetricsServer.StartAsync(metrics.Registry, new IPEndPoint(IPAddress.Loopback, 0));
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.MetricsUri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var body = await response.Content.ReadAsStringAsync();

        var (code, output) = MetricsTestPaths.Run(promtool, "check metrics", stdin: body);
        Assert.True(code == 0 && output.Trim().Length == 0, $"promtool check metrics failed (exit {code}):\n{output}");
    }

    [Fact]
    public void Promtool_flags_a_broken_exposition()
    {
        // Guards the check above: promtool does report problems fed the same way.
        var promtool = MetricsTestPaths.Require(MetricsTestPaths.Promtool);
        var (code, output) = MetricsTestPaths.Run(promtool, "check metrics", stdin: "# TYPE frames counter\nframes 1\n");
        Assert.True(code != 0 || output.Length > 0, "promtool accepted a counter without _total and without HELP");
    }

    [Fact]
    public void Promtool_check_rules_accepts_the_alert_rules()
    {
        var promtool = MetricsTestPaths.Require(MetricsTestPaths.Promtool);
        var (code, output) = MetricsTestPaths.Run(promtool, "check rules deploy/prometheus/alerts.yml");
        Assert.True(code == 0, $"promtool check rules failed (exit {code}):\n{output}");
        // Every alert and recording rule of the file is found (counted from the file, so adding a rule needs no edit here).
        int rules = File.ReadAllLines(Path.Combine(MetricsTestPaths.RepoRoot, "deploy/prometheus/alerts.yml"))
            .Count(l => l.TrimStart().StartsWith("- alert:", StringComparison.Ordinal) || l.TrimStart().StartsWith("- record:", StringComparison.Ordinal));
        Assert.True(rules >= 9, $"only {rules} rules counted in alerts.yml; did the parsing break?");
        Assert.Contains($"SUCCESS: {rules} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Promtool_test_rules_passes_the_alert_unit_tests()
    {
        var promtool = MetricsTestPaths.Require(MetricsTestPaths.Promtool);
        var dir = Path.Combine(MetricsTestPaths.RepoRoot, "deploy", "prometheus");
        var (code, output) = MetricsTestPaths.Run(promtool, "test rules alerts.test.yml", workingDirectory: dir);
        Assert.True(code == 0, $"promtool test rules failed (exit {code}):\n{output}");
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_alert_has_a_firing_and_a_non_firing_unit_test()
    {
        var root = MetricsTestPaths.RepoRoot;
        var alerts = File.ReadAllLines(Path.Combine(root, "deploy/prometheus/alerts.yml"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("- alert:", StringComparison.Ordinal))
            .Select(l => l["- alert:".Length..].Trim()).ToList();
        Assert.Contains("NeuronGuardDown", alerts);
        Assert.Contains("NeuronGuardStoreDegraded", alerts);
        Assert.Contains("NeuronGuardStoreDataLost", alerts);
        Assert.True(alerts.Count >= 8, $"only {alerts.Count} alerts found in alerts.yml; did the parsing break?");

        var firing = new HashSet<string>();
        var quiet = new HashSet<string>();
        string? current = null;
        foreach (var raw in File.ReadAllLines(Path.Combine(root, "deploy/prometheus/alerts.test.yml")))
        {
            var line = raw.Trim();
            if (line.StartsWith("alertname:", StringComparison.Ordinal))
            {
                current = line["alertname:".Length..].Trim();
            }
            else if (line.StartsWith("exp_alerts:", StringComparison.Ordinal) && current is not null)
            {
                (line["exp_alerts:".Length..].Trim() == "[]" ? quiet : firing).Add(current);
                current = null;
            }
        }
        foreach (var alert in alerts)
        {
            Assert.True(firing.Contains(alert), $"alerts.test.yml has no case where {alert} fires");
            Assert.True(quiet.Contains(alert), $"alerts.test.yml has no case where {alert} stays quiet (exp_alerts: [])");
        }
    }
}
