using System.Diagnostics;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`neuronguard completion bash` completes real command lines in a real bash (issue 24 item 10).</summary>
public sealed class CompletionCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-completion-").FullName;

    [Theory]
    [InlineData("neuronguard ct", "ctl")]
    [InlineData("neuronguard ctl pol", "policy")]
    [InlineData("neuronguard ctl policy set toxicity --no-", "--no-ttl")]
    [InlineData("neuronguard fin", "fingerprint")]
    public async Task Bash_CompletesCommandsAndOptions(string line, string expected)
    {
        // `neuronguard` on PATH as a user has it; the script asks it for suggestions.
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        var exe = Path.Combine(bin, "neuronguard");
        await File.WriteAllTextAsync(exe, $"#!/bin/sh\nexec dotnet '{CliProcess.Dll}' \"$@\"\n");
        var (code, script, err) = await CliProcess.RunAsync("completion", "bash");
        Assert.True(code == 0, err);
        await File.WriteAllTextAsync(Path.Combine(_dir, "completion.bash"), script);
        string words = string.Join(' ', line.Split(' ').Select(w => $"'{w}'"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "try.sh"),
            $"chmod +x bin/neuronguard\nsource completion.bash\nCOMP_LINE='{line}'\nCOMP_POINT=${{#COMP_LINE}}\nCOMP_WORDS=({words})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))\n" +
            "_neuronguard_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n");
        var info = new ProcessStartInfo("bash", "try.sh") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        var suggestions = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(suggestions.Contains(expected), $"'{line}' completed to [{string.Join(", ", suggestions)}]; stderr: {await stderr}");
    }

    [Fact]
    public async Task Zsh_ScriptIsACompdefFunction()
    {
        var (code, script, err) = await CliProcess.RunAsync("completion", "zsh");
        Assert.True(code == 0, err);
        Assert.StartsWith("#compdef neuronguard", script);
        Assert.Contains("[suggest:", script);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
