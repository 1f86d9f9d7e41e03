using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace NeuronGuard.Daemon.Tests;

/// <summary>
/// A real <c>neuronguard serve</c> child process with its own data directory and free ports; its console lines are
/// kept (<see cref="Log"/>), and it is killed on dispose if it is still running.
/// </summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Uri> _metrics = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Starts <c>serve ARGUMENTS</c> (with its own --data-dir and --metrics-listen 127.0.0.1:0) and waits for its
    /// listening line; <paramref name="openFileLimit"/> runs it under <c>ulimit -n</c>.
    /// </summary>
    /// <paramref name="defaultHangup"/> starts it with SIGHUP's default disposition: a test run under <c>nohup</c> (or any
    /// parent that ignores SIGHUP) passes "ignored" on to children, and .NET then never delivers SIGHUP to the daemon.
    public static async Task<ServeProcess> StartAsync(string cliDll, string arguments, bool waitForListening = true, int? openFileLimit = null,
        bool defaultHangup = false)
    {
        // Own data directory and a free metrics port: tests run in parallel and must not meet on ~/.neuronguard or :9464.
        string dataDir = Directory.CreateTempSubdirectory("ng-serve-").FullName;
        string command = $"\"{cliDll}\" serve --data-dir {dataDir} --metrics-listen 127.0.0.1:0 {arguments}";
        var info = openFileLimit is { } limit
            ? new ProcessStartInfo("bash", ["-c", $"ulimit -n {limit} && exec dotnet {command}"])
            : defaultHangup ? new ProcessStartInfo("env", $"--default-signal=HUP dotnet {command}") // coreutils ≥ 8.31
            : new ProcessStartInfo("dotnet", command);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var serve = new ServeProcess(Process.Start(info)!);
        if (waitForListening)
        {
            try
            {
                // First start calibrates the fixture: seconds on an idle machine, a minute or more on a loaded one.
                await serve.Listening.WaitAsync(TimeSpan.FromSeconds(180));
            }
            catch
            {
                serve.Dispose(); // never leave a daemon behind when the test gives up on it
                throw;
            }
        }
        return serve;
    }

    private ServeProcess(Process process)
    {
        _process = process;
        process.EnableRaisingEvents = true;
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) =>
        {
            process.WaitForExit();
            _exited.TrySetResult(process.ExitCode);
            _listening.TrySetException(new InvalidOperationException($"serve exited early:\n{Log}"));
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Task<int> Listening => _listening.Task;

    /// <summary>The /metrics URL from the daemon's log line.</summary>
    public Task<Uri> Metrics => _metrics.Task;

    public bool HasExited => _process.HasExited;

    public Task<int> Exited => _exited.Task;

    public int Port => _listening.Task.Result;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Sends a signal by name ("HUP", "TERM") to the daemon (started without <c>ulimit</c>, it is the process itself).</summary>
    public void Signal(string name) => Process.Start("kill", $"-{name} {_process.Id}")!.WaitForExit();

    public Task<int> Terminate()
    {
        Process.Start("kill", $"-TERM {_process.Id}")!.WaitForExit();
        return _exited.Task;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private void OnLine(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(e.Data);
        }
        var match = ListeningLine().Match(e.Data);
        if (match.Success)
        {
            _listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        var metrics = MetricsLine().Match(e.Data);
        if (metrics.Success)
        {
            _metrics.TrySetResult(new Uri(metrics.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"listening for gRPC on http://[^:]+:(\d+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Prometheus metrics on (http://\S+)")]
    private static partial Regex MetricsLine();
}
