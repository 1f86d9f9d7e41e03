using NeuronGuard.ModelServer;
using System.Diagnostics;
using System.Text.Json;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Telemetry;
using Grpc.Net.Client;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>
/// A real Prometheus scrapes the real daemon's metrics listener after real traffic (a model server's 41 requests of
/// tenant "round-trip"); the value comes back through Prometheus's HTTP query API.
/// </summary>
public sealed class PrometheusRoundTripTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_daemon_and_answers_queries_with_its_values()
    {
        var prometheusBin = MetricsTestPaths.Require(MetricsTestPaths.Prometheus);
        var data = Directory.CreateTempSubdirectory("ng-prom-daemon-");
        await using var daemon = await ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = data.FullName, Model = "none", LogLevel = "Warning",
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
        });
        using (var channel = GrpcChannel.ForAddress(daemon.Address))
        await using (var model = new RawModelServer(channel))
        {
            await model.HelloAsync("0123abcd", "round-trip-server");
            for (int i = 0; i < 41; i++)
            {
                await model.StartAsync($"r{i}", "round-trip");
                await model.EndAsync($"r{i}");
            }
            // The model has no catalog here, so a frame is answered with FAILED_PRECONDITION: once that answer is
            // back, every message before it has been handled.
            await model.StartAsync("probe", "other");
            await model.FrameAsync("probe", 0, 1, [1f]);
            await model.ExpectErrorAsync("probe", global::Grpc.Core.StatusCode.FailedPrecondition);
        }

        var dir = Directory.CreateTempSubdirectory("ng-prom-");
        int port = MetricsTestPaths.FreePort();
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: neuronguard
                static_configs:
                  - targets: ["127.0.0.1:{daemon.MetricsAddress!.Port}"]
            """);
        var psi = new ProcessStartInfo(prometheusBin,
            $"--config.file={config} --storage.tsdb.path={Path.Combine(dir.FullName, "data")} --web.listen-address=127.0.0.1:{port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var prometheus = Process.Start(psi)!;
        prometheus.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        prometheus.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var query = $"http://127.0.0.1:{port}/api/v1/query?query=" + Uri.EscapeDataString("neuronguard_requests_total{tenant=\"round-trip\",verdict=\"clean\"}");
            string? value = null;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (value is null && DateTime.UtcNow < deadline && !prometheus.HasExited)
            {
                await Task.Delay(500);
                try
                {
                    using var doc = JsonDocument.Parse(await http.GetStringAsync(query));
                    var result = doc.RootElement.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() > 0)
                    {
                        value = result[0].GetProperty("value")[1].GetString();
                    }
                }
                catch (HttpRequestException)
                {
                    // Prometheus not listening yet.
                }
            }
            Assert.True(value is not null, $"Prometheus returned no neuronguard_requests_total sample within 30 s (exited: {prometheus.HasExited}). Its log:\n{string.Join('\n', log)}");
            Assert.Equal("41", value);

            // The scrape itself is healthy for Prometheus.
            using var up = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query=" + Uri.EscapeDataString("up{job=\"neuronguard\"}")));
            Assert.Equal("1", up.RootElement.GetProperty("data").GetProperty("result")[0].GetProperty("value")[1].GetString());

            // Every dashboard query parses and evaluates in this real Prometheus (variables filled in as Grafana would).
            foreach (var (file, expr) in DashboardExpressions())
            {
                var promql = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("=~\"$instance\"", "=~\".*\"", StringComparison.Ordinal)
                    .Replace("=~\"$tenant\"", "=~\".*\"", StringComparison.Ordinal).Replace("=~\"$set\"", "=~\".*\"", StringComparison.Ordinal).Replace("=~\"$model\"", "=~\".*\"", StringComparison.Ordinal)
                    .Replace("=\"$set\"", "=\"toxicity-experts\"", StringComparison.Ordinal);
                using var answer = await http.GetAsync($"http://127.0.0.1:{port}/api/v1/query?query=" + Uri.EscapeDataString(promql));
                Assert.True(answer.IsSuccessStatusCode, $"{file}: Prometheus rejected `{promql}`: {await answer.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
            }
            dir.Delete(recursive: true);
            data.Delete(recursive: true);
        }
    }

    private static IEnumerable<(string File, string Expr)> DashboardExpressions()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(MetricsTestPaths.RepoRoot, "dashboards"), "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in doc.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (panel.TryGetProperty("targets", out var targets))
                {
                    foreach (var t in targets.EnumerateArray())
                    {
                        yield return (Path.GetFileName(file), t.GetProperty("expr").GetString()!);
                    }
                }
            }
        }
    }
}
