using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>Runs the real `neuronguard` CLI (the built neuronguard.dll beside the tests) as a child process.</summary>
internal static class CliProcess
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");

    /// <summary>Exit code, stdout and stderr of <c>neuronguard ARGS</c>; arguments are passed one by one, unquoted.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Exit code and stdout + stderr of <c>neuronguard COMMAND-LINE</c>, the line split as a shell would (quotes kept together).</summary>
    public static async Task<(int Code, string Output)> RunLineAsync(string commandLine)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{Dll}\" {commandLine}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>A loopback port free right now (for a listener the CLI process will open).</summary>
    public static int FreePort() => FreePorts.Next();
}
