using System.Diagnostics;

namespace NeuronGuard.Daemon.Tests.Monitoring;

/// <summary>
/// The real <c>neuronguard serve</c> process on an embedded store whose state.json is broken or gone: a broken one is
/// refused with one line on stderr that says what to do and exit code 2 (no stack trace); a missing one in a directory
/// that had data starts, with one warning line.
/// </summary>
public sealed class StoreStateStartupTests : IDisposable
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private readonly string _dataDir = Directory.CreateTempSubdirectory("ng-state-start-").FullName;

    private string StoreDir => Path.Combine(_dataDir, "store");

    [Fact]
    public async Task Serve_BrokenStateJson_OneLineErrorExit2()
    {
        Directory.CreateDirectory(StoreDir);
        await File.WriteAllTextAsync(Path.Combine(StoreDir, "state.json"), "{\"format\": 1, \"policyVersion\": ");

        var (code, stdout, stderr) = await RunServeAsync(TimeSpan.FromSeconds(120));

        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.Contains("state.json", lines[0], StringComparison.Ordinal);
        Assert.Contains("restore it from a backup", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_StateJsonMissingWhereDataWas_WarnsAtStartAndServes()
    {
        Directory.CreateDirectory(StoreDir);
        await File.WriteAllTextAsync(Path.Combine(StoreDir, ".has-data"), "marker\n");

        var info = Start();
        using var process = Process.Start(info)!;
        var warned = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is { } line && line.Contains("state.json' is missing", StringComparison.Ordinal))
            {
                warned.TrySetResult(line);
            }
            if (e.Data?.Contains("listening for gRPC", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            string line = await warned.Task.WaitAsync(TimeSpan.FromSeconds(120));
            Assert.Contains("had data", line, StringComparison.Ordinal);
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private ProcessStartInfo Start() => new("dotnet", $"\"{CliDll}\" serve --data-dir {_dataDir} --model none --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0")
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };

    private async Task<(int Code, string Stdout, string Stderr)> RunServeAsync(TimeSpan timeout)
    {
        using var process = Process.Start(Start())!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"serve still running after {timeout.TotalSeconds} s: it should have refused the store");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
