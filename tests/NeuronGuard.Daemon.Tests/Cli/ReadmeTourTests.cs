using System.Diagnostics;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// The README tour uses the built <c>neuronguard</c> executable where it says it is, not <c>dotnet run</c> per call
/// (8–18 s each); the two set-up commands at the top stay as they are.
/// </summary>
public sealed class ReadmeTourTests
{
    private const string ExecutablePath = "src/NeuronGuard.Cli/bin/Release/net10.0/neuronguard";

    [Fact]
    public async Task Tour_UsesTheBuiltExecutable_WhichExistsAndRuns()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(Peers.RepoRoot, "README.md"));
        Assert.Contains("```sh\ndotnet run --project src/NeuronGuard.Cli -c Release -- serve\n```", readme);
        Assert.Contains("```sh\n./test.sh\n```", readme);

        int start = readme.IndexOf("A tour from a second terminal", StringComparison.Ordinal);
        Assert.True(start >= 0, "the README has no tour");
        int open = readme.IndexOf("```sh\n", start, StringComparison.Ordinal) + "```sh\n".Length;
        var lines = readme[open..readme.IndexOf("```", open, StringComparison.Ordinal)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(ExecutablePath, readme[start..open]);
        Assert.Equal($"export PATH=\"$PWD/{Path.GetDirectoryName(ExecutablePath)}:$PATH\"", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("neuronguard ", l));
        Assert.DoesNotContain("dotnet run", string.Join('\n', lines));

        // Built by the set-up command (and by building the solution or this test project): the file is there and runs.
        string exe = Path.Combine(Peers.RepoRoot, ExecutablePath);
        Assert.True(File.Exists(exe), $"{exe} is missing: the README points at a file the build does not make");
        var info = new ProcessStartInfo(exe, "ctl policy --help") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(info)!;
        string output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("delete", output);
    }
}
