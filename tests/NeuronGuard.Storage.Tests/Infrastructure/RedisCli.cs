using System.Diagnostics;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>Runs Debian's <c>redis-cli</c> (package redis-tools) against a loopback port; the test command installs it.</summary>
internal static class RedisCli
{
    private const string Binary = "/usr/bin/redis-cli";

    /// <summary>Runs <c>redis-cli -p PORT ARGS…</c> and returns its standard output; a non-zero exit fails the test.</summary>
    public static async Task<string> RunAsync(int port, params string[] args) => await RunAsync(["-h", "127.0.0.1", "-p", port.ToString(), .. args]);

    public static async Task<string> RunAsync(IEnumerable<string> args)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: install the Debian package redis-tools (the test script does)");
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(process.ExitCode == 0, $"redis-cli {string.Join(' ', start.ArgumentList)} exited {process.ExitCode}: {await error}{await output}");
        return await output;
    }
}
