using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`neuronguard fingerprint DIR` prints what the loader and the Python client compute (issue 24 item 9).</summary>
public sealed class FingerprintCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-fingerprint-").FullName;

    [Fact]
    public async Task Fingerprint_EqualsTheLoadersAndThePythonClients()
    {
        string model = Path.Combine(_dir, "model");
        FixtureMaker.WritePlanted(model);
        var (code, stdout, stderr) = await CliProcess.RunAsync("fingerprint", model);
        Assert.True(code == 0, stderr);
        string printed = stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", printed);
        using (var host = ModelHost.Load(model, new ModelHostOptions { Threads = 1 }))
        {
            Assert.Equal(host.Info.Fingerprint, printed);
        }
        string clients = Path.Combine(RepoRoot(), "clients", "python");
        var (pyCode, pyOut) = await PythonScript.RunAsync(
            "import sys; sys.path.insert(0, sys.argv[1]); from neuronguard import fingerprint; print(fingerprint.from_folder(sys.argv[2]))",
            $"\"{clients}\" \"{model}\"");
        Assert.True(pyCode == 0, pyOut);
        Assert.Equal(printed, pyOut.Trim());
    }

    [Fact]
    public async Task Fingerprint_MissingFolder_UsageErrorOneLine()
    {
        var (code, _, stderr) = await CliProcess.RunAsync("fingerprint", Path.Combine(_dir, "nope"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
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

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
