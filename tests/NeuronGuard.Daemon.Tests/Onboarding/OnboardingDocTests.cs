using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using NeuronGuard.Daemon.Tests.Cli;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Onboarding;

/// <summary>
/// Walks docs/onboarding.md as a user would: every <c>```sh</c> block, in order, in one bash script, with the
/// real <c>neuronguard</c> CLI (serve, fixture, discover, calibrate, ctl, host, generate) and Debian's python3 for
/// the Python fingerprint. Only the loopback ports are swapped for free ones. Then checks what the doc promises:
/// the Python fingerprint equals the C# host's, the catalog proto JSON round trip, the uploaded baseline, and a
/// triggered prompt flagged by the connected model server.
/// </summary>
public sealed partial class OnboardingDocTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-onboarding-").FullName;

    [Fact]
    public async Task OnboardingDoc_EveryShellBlock_RunsAgainstARealDaemon_AndTheModelIsMonitored()
    {
        var root = RepoRoot();
        var doc = File.ReadAllText(Path.Combine(root, "docs", "onboarding.md"));
        var blocks = ShellBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 6, $"docs/onboarding.md has {blocks.Count} sh blocks; the walk expects the whole path");
        var script = string.Concat(blocks)
            .Replace("127.0.0.1:50051", $"127.0.0.1:{FreePort()}", StringComparison.Ordinal)
            .Replace("127.0.0.1:9464", $"127.0.0.1:{FreePort()}", StringComparison.Ordinal)
            .Replace("127.0.0.1:50052", $"127.0.0.1:{FreePort()}", StringComparison.Ordinal);

        // `neuronguard` and `python3` as a user has them; `clients/` as in a checkout.
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "neuronguard"), $"#!/bin/sh\nexec dotnet '{CliProcess.Dll}' \"$@\"\n");
        File.CreateSymbolicLink(Path.Combine(bin, "python3"), "/usr/bin/python3");
        File.CreateSymbolicLink(Path.Combine(_dir, "clients"), Path.Combine(root, "clients"));
        File.WriteAllText(Path.Combine(_dir, "walk.sh"),
            "set -eu\nchmod +x bin/neuronguard\ntrap 'for p in $(jobs -p); do kill -TERM $p 2>/dev/null; done; wait' EXIT\n" + script);

        var (code, output) = await BashAsync(bin);
        Assert.True(code == 0, $"the doc's commands failed (exit {code}):\n{output}\n--- serve.log:\n{Read("serve.log")}\n--- host.log:\n{Read("host.log")}");

        // The fingerprint recipe: Python's from_folder equals the C# host's.
        using (var host = ModelHost.Load(Path.Combine(_dir, "my-model"), new ModelHostOptions { Threads = 1 }))
        {
            Assert.Contains($"fingerprint {host.Info.Fingerprint}\n", output);
            using var catalog = JsonDocument.Parse(Read("catalog.json"));
            Assert.Equal(host.Info.Fingerprint, catalog.RootElement.GetProperty("model").GetProperty("fingerprint").GetString());
        }
        // discover found the planted trigger neuron (layer 2, neuron 353) and the catalog came back as proto JSON.
        using (var catalog = JsonDocument.Parse(Read("catalog.json")))
        {
            var neurons = catalog.RootElement.GetProperty("sets")[0].GetProperty("neurons").EnumerateArray()
                .Select(n => (n.GetProperty("layer").GetInt32(), n.GetProperty("index").GetInt32()));
            Assert.Contains((2, 353), neurons);
            // explain (section 2b) wrote the planted trigger neuron's target word into the catalog, in place.
            var trigger = catalog.RootElement.GetProperty("sets")[0].GetProperty("neurons").EnumerateArray()
                .First(n => n.GetProperty("layer").GetInt32() == 2 && n.GetProperty("index").GetInt32() == 353);
            Assert.Equal(" unlocked", trigger.GetProperty("explanation").GetProperty("promotes")[0].GetString());
        }
        Assert.Contains("NEURON_SET_KIND_BACKDOOR", Read("catalog.proto.json"));
        // The calibrated file was uploaded and activated, and the connected server's triggered prompt was flagged.
        var stored = Regex.Match(output, @"stored baseline '(\S+)' for model [0-9a-f]{64}");
        Assert.True(stored.Success, output);
        var version = stored.Groups[1].Value;
        Assert.Contains($"\n  {version}\n", output); // baseline list, before activation
        Assert.Contains($"baseline '{version}' is active", output);
        Assert.Contains("finish: aborted (flagged by the backdoor detector", Read("triggered.txt")); // the backdoor default
        Assert.Contains("verdict: FLAGGED", Read("triggered.txt"));
        Assert.Contains("backdoor=", output); // ctl flagged lists the request with its backdoor score
        // Step 7: the trained probe went into a new catalog version, calibrated and activated with it.
        Assert.Contains("as detector probe:trigger", output);
        Assert.Contains("catalog 'with-probe' and baseline", output);

        // The doc's sample output is what this run printed, line for line, numbers aside (issue 24 item 9).
        var sample = TextBlock().Match(doc[doc.IndexOf("cat triggered.txt", StringComparison.Ordinal)..]).Groups[1].Value;
        Assert.Equal(Shape(sample), Shape(Read("triggered.txt")));
    }

    /// <summary>Lines with every number replaced by N, blank lines dropped: the format without this run's scores.</summary>
    private static string[] Shape(string text) => text.Split('\n').Select(l => Number().Replace(l.TrimEnd(), "N")).Where(l => l.Length > 0).ToArray();

    [GeneratedRegex(@"```text\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex TextBlock();

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex Number();

    private async Task<(int Code, string Output)> BashAsync(string bin)
    {
        var info = new ProcessStartInfo("bash", "walk.sh")
        {
            WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    private string Read(string name)
    {
        var path = Path.Combine(_dir, name);
        return File.Exists(path) ? File.ReadAllText(path) : $"({name} was not written)";
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }

    private static int FreePort() => FreePorts.Next();

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
