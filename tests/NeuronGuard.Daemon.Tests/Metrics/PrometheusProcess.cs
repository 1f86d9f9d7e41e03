using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>A real Prometheus (Debian package) scraping one target every second, on a free port, in a temp folder.</summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _dir;
    private readonly ConcurrentQueue<string> _log = new();

    private PrometheusProcess(Process process, DirectoryInfo dir, int port)
    {
        _process = process;
        _dir = dir;
        Api = new Uri($"http://127.0.0.1:{port}/api/v1/");
    }

    public Uri Api { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(5) };

    public bool HasExited => _process.HasExited;

    public string Log => string.Join('\n', _log);

    public static PrometheusProcess Start(Uri target, params string[] flags)
    {
        var bin = MetricsTestPaths.Require(MetricsTestPaths.Prometheus);
        var dir = Directory.CreateTempSubdirectory("ng-prom-");
        int port = MetricsTestPaths.FreePort();
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: neuronguard
                static_configs:
                  - targets: ["{target.Host}:{target.Port}"]
            """);
        var psi = new ProcessStartInfo(bin,
            $"--config.file={config} --storage.tsdb.path={Path.Combine(dir.FullName, "data")} --web.listen-address=127.0.0.1:{port} {string.Join(' ', flags)}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var p = Process.Start(psi)!;
        var prometheus = new PrometheusProcess(p, dir, port);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) prometheus._log.Enqueue(e.Data); };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) prometheus._log.Enqueue(e.Data); };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return prometheus;
    }

    /// <summary>GETs an API path until <paramref name="found"/> picks something from its "data", or 60 s pass (null then).</summary>
    public async Task<T?> PollAsync<T>(string pathAndQuery, Func<JsonElement, T?> found) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Api, pathAndQuery)));
                if (found(doc.RootElement.GetProperty("data")) is { } hit)
                {
                    return hit;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(500);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Http.Dispose();
        _dir.Delete(recursive: true);
    }
}
