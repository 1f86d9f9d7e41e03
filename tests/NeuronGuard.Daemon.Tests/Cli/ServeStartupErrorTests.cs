using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NeuronGuard.Daemon.Hosting;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// Start-up mistakes, each run through the real <c>neuronguard serve</c> process: one clear line on stderr, exit code 2,
/// never a stack trace.
/// </summary>
public sealed class ServeStartupErrorTests : IDisposable
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-startup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task MissingModelFolder_OneLineExit2()
    {
        var (code, err) = await ServeAsync($"{Ports} --model {Path.Combine(_dir, "nope")}");
        AssertOneLine(2, code, err, "model folder", "does not exist");
    }

    [Fact]
    public async Task EmptyModelFolder_OneLineExit2()
    {
        var (code, err) = await ServeAsync($"{Ports} --model {Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName}");
        AssertOneLine(2, code, err, "is empty", "config.json");
    }

    [Fact]
    public async Task BadConfigJson_OneLineExit2()
    {
        var (code, err) = await ServeAsync($"{Ports} --model none --config {Config("""{ "NeuronGuard": { "Listen": """)}");
        AssertOneLine(2, code, err, "is not valid JSON");
    }

    [Fact]
    public async Task NonNumericSetting_OneLineExit2()
    {
        var (code, err) = await ServeAsync($"{Ports} --model none --config {Config("""{ "NeuronGuard": { "MaxConnections": "lots" } }""")}");
        AssertOneLine(2, code, err, "'lots'", "NeuronGuard:MaxConnections");
    }

    [Fact]
    public async Task OutOfRangeTelemetryLimit_OneLineExit2()
    {
        // MaxValuesPerMessage = 0 would refuse every frame; the source-generated validator stops serve before it starts.
        var (code, err) = await ServeAsync($"{Ports} --model none --config {Config("""{ "NeuronGuard": { "Telemetry": { "MaxValuesPerMessage": 0 } } }""")}");
        AssertOneLine(2, code, err, "Bad setting", "MaxValuesPerMessage");
    }

    [Fact]
    public async Task BadLogLevel_OneLineExit2()
    {
        var (code, err) = await ServeAsync($"{Ports} --model none --config {Config("""{ "NeuronGuard": { "LogLevel": "loud" } }""")}");
        AssertOneLine(2, code, err, "LogLevel 'loud' is not a level");
    }

    [Fact]
    public async Task MisspeltKeys_WarnWithTheClosestKnownKey()
    {
        // The non-numeric value makes serve stop after the warnings; the warnings come first.
        var (code, err) = await ServeAsync($"{Ports} --model none --config {Config("""{ "NeuronGuard": { "Lisen": "127.0.0.1:0", "Metrics": { "Lsten": "" }, "Store": { "Redis": { "Endpoints": [ "a:1" ] } }, "ShutdownTimeoutSeconds": "x" } }""")}");
        Assert.Equal(2, code);
        Assert.Contains("warning: setting NeuronGuard:Lisen is not known and is ignored; did you mean Listen?", err);
        Assert.Contains("warning: setting NeuronGuard:Metrics:Lsten is not known and is ignored; did you mean Metrics:Listen?", err);
        Assert.DoesNotContain("Endpoints", err); // list items are known keys
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void OptionsLoader_KnownNestedKeys_NoWarning_UnrelatedKey_NoSuggestion()
    {
        var file = Config("""{ "NeuronGuard": { "Auth": { "Tokens": [ { "Name": "a", "Hash": "h", "Roles": [ "viewer" ] } ] }, "Telemetry": { "FlagLogSize": 5 }, "Zebra": 1 } }""");
        var warnings = new List<string>();
        var options = OptionsLoader.Load(file, warn: warnings.Add);
        Assert.Equal(5, options.Telemetry.FlagLogSize);
        Assert.Equal("warning: setting NeuronGuard:Zebra is not known and is ignored.", Assert.Single(warnings));
    }

    [Fact]
    public async Task BusyGrpcPort_ReportedBeforeTheFixtureIsWritten()
    {
        using var taken = Listen(out int port);
        var (code, err) = await ServeAsync($"--listen 127.0.0.1:{port} --metrics-listen 127.0.0.1:0");
        AssertOneLine(2, code, err, $"cannot listen for gRPC on 127.0.0.1:{port}", "already in use");
        // Checked first: the fixture (written and calibrated on first start) was never touched.
        Assert.False(Directory.Exists(Path.Combine(_dir, "fixture")), "the fixture was written before the port check");
    }

    [Fact]
    public async Task BusyMetricsPort_NamesTheMetricsListener()
    {
        using var taken = Listen(out int port);
        var (code, err) = await ServeAsync($"--listen 127.0.0.1:0 --model none --metrics-listen 127.0.0.1:{port}");
        AssertOneLine(2, code, err, $"cannot listen for Prometheus metrics on 127.0.0.1:{port}", "--metrics-listen");
        Assert.DoesNotContain("--listen)", err);
    }

    /// <summary>Free ports for tests that are not about ports (never the well-known defaults: tests run in parallel).</summary>
    private const string Ports = "--listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0";

    private static void AssertOneLine(int expectedCode, int code, string err, params string[] says)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == expectedCode, $"exit {code}: {err}");
        Assert.True(lines.Length == 1, "expected one line:\n" + err);
        Assert.StartsWith("neuronguard serve: ", lines[0]);
        foreach (var s in says)
        {
            Assert.Contains(s, lines[0]);
        }
    }

    private string Config(string json)
    {
        var file = Path.Combine(_dir, $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        return file;
    }

    private static Socket Listen(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(1);
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    /// <summary>Runs serve with its own data directory; these all stop at start-up, so it waits for the exit.</summary>
    private async Task<(int Code, string Err)> ServeAsync(string arguments)
    {
        string args = $"\"{CliDll}\" serve --data-dir {_dir} {arguments}";
        var info = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment.Remove("NEURONGUARD__LISTEN");
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"serve did not stop at start-up:\n{await stdout}{await stderr}");
        }
        string output = await stdout;
        Assert.True(output.Length == 0 || !output.Contains("   at ", StringComparison.Ordinal), output);
        return (p.ExitCode, await stderr);
    }
}
