using System.Diagnostics;
using System.Text;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Storage;
using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Store;

/// <summary>
/// A configured <c>Store:Redis:Endpoints</c> list replaces the default <c>127.0.0.1:6379</c> from every source
/// (it used to be appended to it: the binder adds to a pre-filled list).
/// </summary>
public sealed class StoreEndpointConfigTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");

    [Fact]
    public void LoadOptions_NothingConfigured_DefaultEndpointOnly()
    {
        Assert.Equal(["127.0.0.1:6379"], DaemonHost.LoadOptions(null).Store.Redis.EffectiveEndpoints);
    }

    [Fact]
    public void LoadOptions_JsonEndpoints_ReplaceDefault()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ng-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "NeuronGuard": { "Store": { "Kind": "Redis", "Redis": { "Endpoints": ["redis:6379", "redis-replica:6379"] } } } }""");
        try
        {
            var options = DaemonHost.LoadOptions(file);

            Assert.Equal(StoreKind.Redis, options.Store.Kind);
            Assert.Equal(["redis:6379", "redis-replica:6379"], options.Store.Redis.EffectiveEndpoints);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void LoadOptions_EnvironmentEndpoint_ReplacesDefault()
    {
        Environment.SetEnvironmentVariable("NEURONGUARD__STORE__REDIS__ENDPOINTS__0", "redis:6379");
        try
        {
            Assert.Equal(["redis:6379"], DaemonHost.LoadOptions(null).Store.Redis.EffectiveEndpoints);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NEURONGUARD__STORE__REDIS__ENDPOINTS__0", null);
        }
    }

    [Fact]
    public void LoadOptions_JsonAndEnvironmentLists_EnvironmentOverridesNeverConcatenates()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ng-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "NeuronGuard": { "Store": { "Redis": { "Endpoints": ["a:1"] } } } }""");
        Environment.SetEnvironmentVariable("NEURONGUARD__STORE__REDIS__ENDPOINTS__0", "b:1");
        try
        {
            Assert.Equal(["b:1"], DaemonHost.LoadOptions(file).Store.Redis.EffectiveEndpoints);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NEURONGUARD__STORE__REDIS__ENDPOINTS__0", null);
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serve_RedisFlag_StoreUsesOnlyThatEndpoint()
    {
        await using var redis = await RedisServer.StartAsync();
        var dataDir = Directory.CreateTempSubdirectory("ng-serve-").FullName;
        var info = new ProcessStartInfo("dotnet", $"\"{CliDll}\" serve --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --model none --data-dir {dataDir} --redis {redis.Endpoint}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var log = new StringBuilder();
        var storeLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (log)
            {
                log.AppendLine(e.Data);
            }
            if (e.Data.Contains("store: ", StringComparison.Ordinal))
            {
                storeLine.TrySetResult(e.Data);
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => storeLine.TrySetException(new InvalidOperationException($"serve exited early:\n{log}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var line = await storeLine.Task.WaitAsync(TimeSpan.FromSeconds(90));

            Assert.Contains($"redis at {redis.Endpoint} (db 0", line);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
