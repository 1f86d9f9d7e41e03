using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>Locates the repository and the real Prometheus tools, and runs them.</summary>
internal static class MetricsTestPaths
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    /// <summary>The folder holding NeuronGuard.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
                {
                    return dir.FullName;
                }
            }
            var env = Environment.GetEnvironmentVariable("NEURONGUARD_REPO");
            if (env is not null && File.Exists(Path.Combine(env, "NeuronGuard.sln")))
            {
                return env;
            }
            throw new InvalidOperationException($"No NeuronGuard.sln above {AppContext.BaseDirectory}: run the tests from the repository checkout (or set NEURONGUARD_REPO).");
        }
    }

    public static string Require(string tool)
    {
        if (!File.Exists(tool))
        {
            Assert.Fail($"{tool} is missing: install the Debian package 'prometheus' (apt-get install -y prometheus), or run ./test.sh which installs it.");
        }
        return tool;
    }

    public static int FreePort() => FreePorts.Next();

    /// <summary>Runs a tool to completion with optional stdin; returns exit code and combined output.</summary>
    public static (int Code, string Output) Run(string file, string arguments, string? stdin = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoRoot,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            throw new TimeoutException($"{file} {arguments} did not finish in 60 s.");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
