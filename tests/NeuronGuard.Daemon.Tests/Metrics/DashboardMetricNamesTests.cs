using NeuronGuard.Daemon.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>Dashboards and alert rules use only metrics the daemon exports, and dashboards import anywhere.</summary>
public sealed partial class DashboardMetricNamesTests
{
    [GeneratedRegex("\\b(?:neuronguard|process|dotnet)_[a-zA-Z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)", RegexOptions.Multiline)]
    private static partial Regex ExposedName();

    private static IEnumerable<string> Dashboards() =>
        Directory.GetFiles(Path.Combine(MetricsTestPaths.RepoRoot, "dashboards"), "*.json").Order(StringComparer.Ordinal);

    private static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    /// <summary>PromQL of alerts.yml: every line from an "expr:" key to the next key.</summary>
    private static IEnumerable<string> RuleExpressions()
    {
        var lines = File.ReadAllLines(Path.Combine(MetricsTestPaths.RepoRoot, "deploy/prometheus/alerts.yml"));
        for (int i = 0; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            if (!t.StartsWith("expr:", StringComparison.Ordinal))
            {
                continue;
            }
            yield return t["expr:".Length..];
            int indent = lines[i].Length - lines[i].TrimStart().Length;
            while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
            {
                yield return lines[++i];
            }
        }
    }

    /// <summary>Every metric name the dashboards and alert rules use, with the file that uses it.</summary>
    internal static Dictionary<string, string> UsedMetricNames()
    {
        var used = new Dictionary<string, string>();
        foreach (var file in Dashboards())
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var s in Strings(doc.RootElement))
            {
                foreach (Match m in MetricName().Matches(s))
                {
                    used.TryAdd(m.Value, Path.GetFileName(file));
                }
            }
        }
        foreach (var name in RuleExpressions().SelectMany(e => MetricName().Matches(e)).Select(m => m.Value))
        {
            used.TryAdd(name, "alerts.yml");
        }
        return used;
    }

    /// <summary>The names used but missing from <paramref name="exposition"/>, each with where it is used.</summary>
    internal static List<string> MissingFrom(string exposition)
    {
        var exposed = ExposedName().Matches(exposition).Select(m => m.Groups[1].Value).ToHashSet();
        // A histogram family without observations has its TYPE line but no _bucket/_sum/_count samples yet.
        bool Exposed(string name) => exposed.Contains(name)
            || new[] { "_bucket", "_sum", "_count" }.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && exposed.Contains(name[..^suffix.Length]));
        return UsedMetricNames().Where(u => !Exposed(u.Key)).Select(u => $"{u.Key} (in {u.Value})").ToList();
    }

    [Fact]
    public void Every_metric_used_by_dashboards_and_alerts_is_exported()
    {
        var used = UsedMetricNames();
        int fromDashboards = used.Count(u => u.Value != "alerts.yml");
        int fromRules = RuleExpressions().SelectMany(e => MetricName().Matches(e)).Select(m => m.Value).Distinct().Count();
        Assert.True(fromDashboards >= 15, $"only {fromDashboards} metric names found in dashboards/*.json; did the parsing break?");
        Assert.True(fromRules >= 6, $"only {fromRules} metric names found in alerts.yml expressions; did the parsing break?");
        var missing = MissingFrom(DaemonMetricsFixture.Exercised().Registry.Scrape());
        Assert.True(missing.Count == 0, "used but not exported: " + string.Join(", ", missing));
    }

    [Fact]
    public void Dashboards_use_a_datasource_variable_and_no_fixed_uid()
    {
        var files = Dashboards().ToList();
        Assert.Equal(["neuronguard-neurons.json", "neuronguard-overview.json"], files.Select(Path.GetFileName));
        var uids = new HashSet<string>();
        foreach (var file in files)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            var name = Path.GetFileName(file);
            Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36, $"{name}: schemaVersion below Grafana 10's");
            Assert.True(uids.Add(root.GetProperty("uid").GetString()!), $"{name}: uid repeats another dashboard's");
            var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
            Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
            var panels = root.GetProperty("panels").EnumerateArray().ToList();
            Assert.NotEmpty(panels);
            var ids = new HashSet<int>();
            foreach (var panel in panels)
            {
                var title = panel.GetProperty("title").GetString();
                Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), $"{name}: panel id repeats ({title})");
                Assert.True(panel.TryGetProperty("gridPos", out _), $"{name}: panel '{title}' has no gridPos");
                if (panel.GetProperty("type").GetString() == "row")
                {
                    continue;
                }
                var ds = panel.GetProperty("datasource");
                Assert.Equal("prometheus", ds.GetProperty("type").GetString());
                Assert.Equal("${datasource}", ds.GetProperty("uid").GetString());
                var targets = panel.GetProperty("targets").EnumerateArray().ToList();
                Assert.True(targets.Count > 0, $"{name}: panel '{title}' has no query");
                Assert.All(targets, t => Assert.Equal("${datasource}", t.GetProperty("datasource").GetProperty("uid").GetString()));
            }
        }
    }
}
