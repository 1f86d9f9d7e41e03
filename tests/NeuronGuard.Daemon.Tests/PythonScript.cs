using System.Diagnostics;

namespace NeuronGuard.Daemon.Tests;

/// <summary>Runs a Python script text with Debian's /usr/bin/python3 (where python3-grpcio lives) and returns exit code and output.</summary>
internal static class PythonScript
{
    public static async Task<(int Code, string Output)> RunAsync(string script, string args)
    {
        var file = Path.Combine(Path.GetTempPath(), $"ng-py-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3", $"{file} {args}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return (p.ExitCode, await stdout + await stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
