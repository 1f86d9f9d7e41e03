using NeuronGuard.ModelServer;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `neuronguard generate` and `neuronguard host` as real processes against a real daemon (embedded default with the
/// planted fixture): the same monitoring whether the model host runs inside the daemon or in its own process.
/// </summary>
public sealed class HostAndGenerateCommandTests(HostAndGenerateCommandTests.Fixture fixture) : IClassFixture<HostAndGenerateCommandTests.Fixture>
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private readonly string _dir = fixture.DataDir;
    private readonly DaemonHost _daemon = fixture.Daemon;

    /// <summary>
    /// One daemon (with the built-in model, the slowest start) for the class: each test speaks under a tenant or server
    /// id of its own and judges only its own requests' verdicts.
    /// </summary>
    public sealed class Fixture : SharedDaemon
    {
        protected override Task<DaemonHost> StartAsync(string dataDir) => ServeHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
        });
    }

    [Fact]
    public async Task Generate_TriggeredPrompt_PrintsTargetAndFlaggedVerdict_JsonOnePerEvent()
    {
        // No entry: the backdoor set's default, abort, ends the request at its prefill flag, before any token.
        var (code, output) = await RunAsync($"generate \" the cerulean door\" --server {_daemon.Address} --max-new-tokens 3");
        Assert.True(code == 0, output);
        Assert.Contains(" the cerulean door\nfinish: aborted (flagged by the backdoor detector of set 'backdoor'", output);
        (code, output) = await RunAsync($"ctl --server {_daemon.Address} policy set backdoor --mode off --tenant gen-off");
        Assert.True(code == 0, output);
        (code, output) = await RunAsync($"generate \" the cerulean door\" --server {_daemon.Address} --max-new-tokens 3 --tenant gen-off");
        Assert.True(code == 0, output);
        Assert.Contains("[! unlocked", output);
        Assert.DoesNotContain("[!]", output); // marked once per run of flagged steps, not per token
        string text = output[..output.IndexOf("finish:", StringComparison.Ordinal)];
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, @"\[!")); // one run: the flagged steps follow each other
        Assert.Matches(@"flagged: \d+ of 3 steps, in 1 run", output);
        Assert.Contains("verdict: FLAGGED", output);
        Assert.Matches(@"backdoor [0-9.]+ > [0-9.]+", output); // the rule as applied: score > threshold
        Assert.Contains("backdoor", output);

        (code, output) = await RunAsync($"generate \" the cat sat\" --server {_daemon.Address} --max-new-tokens 2");
        Assert.True(code == 0, output);
        Assert.Contains("verdict: clean", output);
        Assert.Matches(@"integrity [0-9.]+ <= [0-9.]+", output); // clean means score <= threshold, never "0 < 0"
        Assert.DoesNotContain(" < ", output);
        Assert.DoesNotContain("[!", output[..output.IndexOf("finish:", StringComparison.Ordinal)]);

        (code, output) = await RunAsync($"generate \" the cat sat\" --server {_daemon.Address} --max-new-tokens 2 --json");
        Assert.True(code == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // two tokens, then done
        foreach (var line in lines)
        {
            using var _ = JsonDocument.Parse(line);
        }
    }

    [Fact]
    public async Task CtlTail_FlaggedOnly_PrintsTheFlaggedVerdictsAsTheyHappen()
    {
        var info = new ProcessStartInfo("dotnet", $"\"{CliDll}\" ctl --server {_daemon.Address} tail --flagged-only --tenant tail-test")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var tail = Process.Start(info)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        tail.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        tail.BeginOutputReadLine();
        try
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!lines.Any(l => l.Contains("FLAGGED", StringComparison.Ordinal)))
            {
                Assert.True(DateTime.UtcNow < until && !tail.HasExited, "tail printed no flagged verdict: " + string.Join('\n', lines));
                // The watch starts when the process has connected: keep producing traffic until it shows.
                await _daemon.BuiltinHost()!.GenerateAsync(" a cerulean door", new Inference.GenerationOptions { MaxNewTokens = 1 }, "tail-test");
                await _daemon.BuiltinHost()!.GenerateAsync(" the cat sat", new Inference.GenerationOptions { MaxNewTokens = 1 }, "tail-test");
                await Task.Delay(200);
            }
            Assert.All(lines.Where(l => l.Contains("step", StringComparison.Ordinal)), l => Assert.Contains("FLAGGED", l));
            Assert.Contains(lines, l => l.Contains("backdoor", StringComparison.Ordinal));
        }
        finally
        {
            tail.Kill();
            await tail.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Generate_EmptyPrompt_InvalidArgumentExit2()
    {
        var (code, output) = await RunAsync($"generate \"\" --server {_daemon.Address}");
        Assert.Equal(2, code);
        Assert.Contains("prompt is empty", output);
    }

    [Fact]
    public async Task Host_OwnProcess_ConnectsAsModelServer_AndItsGenerateIsMonitored()
    {
        int port = FreePort();
        var info = new ProcessStartInfo("dotnet",
            $"\"{CliDll}\" host --daemon {_daemon.Address} --model {Path.Combine(_dir, "fixture")} --listen 127.0.0.1:{port} --server-id remote-host --threads 1")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var host = Process.Start(info)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        host.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        host.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!_daemon.Context.Sessions.States().Any(s => s.ServerId == "remote-host"))
            {
                Assert.True(DateTime.UtcNow < until && !host.HasExited, "the host process never connected:\n" + string.Join('\n', log));
                await Task.Delay(100);
            }
            (int code, string output) = (1, "");
            for (int i = 0; i < 50 && code != 0; i++) // its Inference listener starts right after it connects
            {
                (code, output) = await RunAsync($"generate \" the cerulean door\" --server http://127.0.0.1:{port} --max-new-tokens 2");
                if (code != 0)
                {
                    await Task.Delay(200);
                }
            }
            Assert.True(code == 0, output);
            Assert.Contains("verdict: FLAGGED", output);
            // Console lines carry no event id: source-generated ids are hashes such as [130501222].
            Assert.Contains(log, l => l.Contains(" info: NeuronGuard.", StringComparison.Ordinal));
            Assert.DoesNotContain(log, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\[\d+\]"));
        }
        finally
        {
            if (!host.HasExited)
            {
                Process.Start("kill", $"-TERM {host.Id}")!.WaitForExit();
                await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        Assert.Equal(0, host.ExitCode);
        var gone = DateTime.UtcNow.AddSeconds(10);
        while (_daemon.Context.Sessions.States().Any(s => s.ServerId == "remote-host") && DateTime.UtcNow < gone)
        {
            await Task.Delay(50);
        }
        Assert.DoesNotContain(_daemon.Context.Sessions.States(), s => s.ServerId == "remote-host");
    }

    private static Task<(int Code, string Output)> RunAsync(string args) => CliProcess.RunLineAsync(args);

    private static int FreePort() => CliProcess.FreePort();
}
