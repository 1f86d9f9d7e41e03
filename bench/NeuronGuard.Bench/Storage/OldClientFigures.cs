using System.Diagnostics;
using System.Globalization;

namespace NeuronGuard.Bench.Storage;

/// <summary>
/// The storage suite of the build before the client upgrade (StackExchange.Redis 1.2.6, commit a25a310), run as a
/// child process in the same run, so old and new client are measured on the same machine minutes apart. It runs
/// in a scratch directory (an empty NeuronGuard.sln marks it as the root), so its report lands there, not in a checkout.
/// </summary>
internal sealed record OldClientFigures(double LoadP50, double AckP50, double PropagationP50, double PropagationP99, double WritesPerSecond, double HsetRps)
{
    public static OldClientFigures Run(string benchDll, int changes)
    {
        var scratch = Directory.CreateTempSubdirectory("ng-bench-old-");
        try
        {
            File.WriteAllText(Path.Combine(scratch.FullName, "NeuronGuard.sln"), "");
            Directory.CreateDirectory(Path.Combine(scratch.FullName, "bench", "results"));
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = scratch.FullName, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { benchDll, "storage", changes.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            var lines = process.StandardOutput.ReadToEnd().Split('\n');
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"the old storage bench ({benchDll}) exited {process.ExitCode}");
            }
            double Cell(string rowStart, int cell) => Number(lines.First(l => l.StartsWith(rowStart, StringComparison.Ordinal)).Split('|')[cell]);
            var writes = lines.First(l => l.StartsWith("NeuronGuard policy writes", StringComparison.Ordinal));
            return new OldClientFigures(
                Cell("| Redis |", 3), Cell("| write acknowledged on A |", 2), Cell("| propagated to B |", 2), Cell("| propagated to B |", 3),
                Number(writes[(writes.LastIndexOf("**", writes.Length - 4, StringComparison.Ordinal) + 2)..].Replace("/s", "").Replace("**", "").TrimEnd('.')),
                RedisFigures.ParseRps(string.Join('\n', lines), "HSET"));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static double Number(string text) => double.Parse(text.Trim().Replace(",", ""), CultureInfo.InvariantCulture);
}
