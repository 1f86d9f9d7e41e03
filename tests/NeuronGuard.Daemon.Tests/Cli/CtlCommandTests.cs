using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using NeuronGuard.Cli.Commands;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Tests.Records;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>`neuronguard ctl catalog|baseline` and `neuronguard token` against a real Catalogs/Baselines server.</summary>
public sealed class CtlCommandTests : IDisposable
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-").FullName;

    [Fact]
    public async Task CatalogPutListActivate_ThroughTheCli()
    {
        await using var server = await RecordsTestServer.StartAsync();
        var file = WriteCatalog();
        var token = $"--token {RecordsTestServer.OperatorToken}";

        var put = await RunAsync($"ctl --server {server.Address} {token} catalog put {file}");
        Assert.True(put.Code == 0, put.Err);
        Assert.Contains("stored catalog 'c1' for model abc123", put.Out);

        // No baseline was calibrated for c1: refused (the model would stay unscored), nothing changed...
        var refused = await RunAsync($"ctl --server {server.Address} {token} catalog activate --model abc123 c1");
        Assert.Equal(1, refused.Code);
        Assert.Contains("catalog 'c1' of model abc123 has no calibrated baseline", refused.Err);
        Assert.Contains("--without-baseline", refused.Err);
        Assert.Null((await server.Store.GetActiveAsync("abc123")).CatalogVersion);

        // ...unless confirmed explicitly, and then the output says the model is not scored.
        var activate = await RunAsync($"ctl --server {server.Address} {token} catalog activate --model abc123 c1 --without-baseline");
        Assert.True(activate.Code == 0, activate.Err);
        Assert.Contains("catalog 'c1' is active for model abc123 without a baseline (was catalog none, baseline none)", activate.Out);

        var list = await RunAsync($"ctl --server {server.Address} --token {RecordsTestServer.ViewerToken} catalog list --model abc123 --json");
        Assert.True(list.Code == 0, list.Err);
        Assert.Contains("\"activeVersion\": \"c1\"", list.Out);
        Assert.Equal("c1", (await server.Store.GetActiveAsync("abc123")).CatalogVersion);
        Assert.Equal("ops", (await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "c1"))!.Info.Actor);
    }

    [Fact]
    public async Task GrpcErrors_StatusOnStderr_ExitOne_UsageErrors_ExitTwo()
    {
        await using var server = await RecordsTestServer.StartAsync();
        var file = WriteCatalog();

        var noToken = await RunAsync($"ctl --server {server.Address} catalog put {file}");
        Assert.Equal(1, noToken.Code);
        Assert.StartsWith("error: UNAUTHENTICATED: ", noToken.Err);

        var viewer = await RunAsync($"ctl --server {server.Address} --token {RecordsTestServer.ViewerToken} catalog put {file}");
        Assert.Equal(1, viewer.Code);
        Assert.StartsWith("error: PERMISSION_DENIED: ", viewer.Err);

        var missing = await RunAsync($"ctl --server {server.Address} --token {RecordsTestServer.OperatorToken} baseline activate --model abc123 b7");
        Assert.Equal(1, missing.Code);
        Assert.StartsWith("error: NOT_FOUND: ", missing.Err);

        var badMode = await RunAsync($"ctl --server {server.Address} policy set toxicity --mode sometimes");
        Assert.Equal(2, badMode.Code);
        Assert.Contains("--mode 'sometimes' is not a mode", badMode.Err);
    }

    [Fact]
    public async Task TokenFromEnvironment_UsedWhenNoFlag()
    {
        await using var server = await RecordsTestServer.StartAsync();
        var file = WriteCatalog();
        var put = await RunProcessAsync($"ctl --server {server.Address} catalog put {file}", env: ("NEURONGUARD_TOKEN", RecordsTestServer.OperatorToken));
        Assert.True(put.Code == 0, put.Output);
        Assert.NotNull(await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "c1"));
    }

    [Fact]
    public async Task TokenNew_PrintsTokenAndEntry_TheDaemonAccepts_TokenHash_FromStdin()
    {
        var made = await RunAsync("token new --name vllm-a --roles ingest,viewer --json");
        Assert.True(made.Code == 0, made.Err);
        using var doc = JsonDocument.Parse(made.Out);
        var token = doc.RootElement.GetProperty("token").GetString()!;
        var entry = doc.RootElement.GetProperty("entry").Deserialize<TokenEntry>()!;
        Assert.Equal(TokenHasher.Hash(token), entry.Hash);
        Assert.Equal(["ingest", "viewer"], entry.Roles);
        Assert.False(new Authenticator(new AuthOptions { Tokens = { entry } }, listenerIsLoopback: true).Anonymous);

        var hashed = await RunProcessAsync("token hash", stdin: token + "\n");
        Assert.True(hashed.Code == 0, hashed.Output);
        Assert.Equal(entry.Hash, hashed.Output.Trim());

        var bad = await RunAsync("token new --name x --roles admin");
        Assert.Equal(2, bad.Code);
        Assert.Contains("unknown role 'admin'", bad.Err);
    }

    /// <summary>Runs the ctl/token commands in this process (output captured), the same code the CLI runs.</summary>
    private static async Task<(int Code, string Out, string Err)> RunAsync(string args)
    {
        var root = new RootCommand { CtlCommand.Create(), TokenCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the real `neuronguard` CLI process.</summary>
    private static async Task<(int Code, string Output)> RunProcessAsync(string args, string? stdin = null, (string, string)? env = null)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{CliDll}\" {args}")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        if (env is var (key, value))
        {
            info.Environment[key] = value;
        }
        using var p = Process.Start(info)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
        }
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (p.ExitCode, await stdout + await stderr);
    }

    private string WriteCatalog()
    {
        var catalog = Daemon.Records.CatalogMapping.ToEngine(RecordsTestServer.SampleCatalog(version: "c1"), new List<string>());
        var file = Path.Combine(_dir, "catalog.json");
        File.WriteAllBytes(file, CatalogJson.Serialize(catalog));
        return file;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
