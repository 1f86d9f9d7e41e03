using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Net.Client;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.ModelServer;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// A catalog with a "scan" set gets the trigger scan in the daemon; a prefill whose token at position 3 pushes a
/// scanned neuron far outside its benign range comes back as a flagged verdict naming position 3 in
/// <c>Verdict.flagged_positions</c>, and a later clean request's verdict (a recycled message) names none.
/// </summary>
public sealed class TriggerScanVerdictTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-trigger-scan-").FullName;
    private DaemonHost _daemon = null!;

    public async Task InitializeAsync() => _daemon = await ServeHost.StartAsync(new DaemonOptions
    {
        Listen = "127.0.0.1:0", DataDir = _dir, LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
    });

    [Fact]
    public async Task Prefill_TokenOutsideBenignRange_VerdictNamesItsPosition()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var old = _daemon.Context.Plans.Get(fp).Plan!;
        var (catalog, baseline) = WithScanSet(old, "scan-2");
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "scan-2", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "scan-2", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.ActivateAsync(RecordKind.Baseline, fp, "scan-2", "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, "scan-2", "test");

        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        await using var s = new RawModelServer(channel);
        await s.HelloAsync(fp, "scanner", "scan-2");
        var welcome = (await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "scan-2", "Welcome for catalog scan-2")).Welcome;
        var plan = _daemon.Context.Plans.Get(fp).Plan!;
        Assert.Contains(plan.Detectors, d => d.Name == "trigger_scan:scan");
        Assert.Equal(plan.Slots.Count, welcome.Slots.Count);

        await s.StartAsync("triggered");
        await s.FrameAsync("triggered", 0, 6, Prompt(plan, 6, spikeAt: 3));
        var verdict = await s.ExpectVerdictAsync("triggered");
        Assert.True(verdict.Flagged);
        Assert.Contains(verdict.Scores, d => d.Detector == Api.V1.Detector.TriggerScan && d.Flagged);
        Assert.Equal([3u], verdict.FlaggedPositions);
        await s.EndAsync("triggered");
        Assert.Equal([3u], (await s.ExpectVerdictAsync("triggered", final: true)).FlaggedPositions);

        await s.StartAsync("clean");
        await s.FrameAsync("clean", 0, 6, Prompt(plan, 6, spikeAt: -1));
        var clean = await s.ExpectVerdictAsync("clean");
        Assert.DoesNotContain(clean.Scores, d => d.Detector == Api.V1.Detector.TriggerScan && d.Flagged);
        Assert.Empty(clean.FlaggedPositions);
        Assert.DoesNotContain(s.Seen, m => m.Error is not null);
    }

    [Fact]
    public async Task CtlTail_FlaggedVerdict_PrintsThePositions()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var (catalog, baseline) = WithScanSet(_daemon.Context.Plans.Get(fp).Plan!, "scan-3");
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "scan-3", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "scan-3", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.ActivateAsync(RecordKind.Baseline, fp, "scan-3", "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, "scan-3", "test");
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        await using var s = new RawModelServer(channel);
        await s.HelloAsync(fp, "tail-scanner", "scan-3");
        await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "scan-3", "Welcome for catalog scan-3");
        var plan = _daemon.Context.Plans.Get(fp).Plan!;

        var info = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "neuronguard.dll")}\" ctl --server {_daemon.Address} tail --flagged-only --tenant scan-tail")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var tail = Process.Start(info)!;
        var lines = new ConcurrentQueue<string>();
        tail.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        tail.BeginOutputReadLine();
        try
        {
            var until = DateTime.UtcNow.AddSeconds(60);
            for (int r = 0; !lines.Any(l => l.Contains("positions", StringComparison.Ordinal)); r++)
            {
                Assert.True(DateTime.UtcNow < until && !tail.HasExited, "tail printed no positions: " + string.Join('\n', lines));
                // The watch starts when the process has connected: keep sending flagged prefills until one shows.
                await s.StartAsync($"t{r}", "scan-tail");
                await s.FrameAsync($"t{r}", 0, 6, Prompt(plan, 6, spikeAt: 4));
                await s.ExpectVerdictAsync($"t{r}");
                await s.EndAsync($"t{r}");
                await Task.Delay(200);
            }
            Assert.Contains(lines, l => l.Contains("FLAGGED", StringComparison.Ordinal) && l.EndsWith("positions 4", StringComparison.Ordinal));
        }
        finally
        {
            tail.Kill();
            await tail.WaitForExitAsync();
        }
    }

    /// <summary>
    /// The flag log keeps the flagging verdict's positions: Control.ListFlagged returns them, and `ctl flagged` prints
    /// them under the request's row and in its --json (FlaggedRequest.flagged_positions, field 8).
    /// </summary>
    [Fact]
    public async Task ListFlaggedAndCtlFlagged_TriggerScanFlag_NameThePositions()
    {
        string fp = _daemon.BuiltinHost()!.Host.Info.Fingerprint;
        var (catalog, baseline) = WithScanSet(_daemon.Context.Plans.Get(fp).Plan!, "scan-4");
        var store = _daemon.Context.Store;
        await store.PutRecordAsync(RecordKind.Catalog, fp, "scan-4", Catalog.CurrentFormat, CatalogJson.Serialize(catalog), "test");
        await store.PutRecordAsync(RecordKind.Baseline, fp, "scan-4", BaselineFormat.Version, BaselineFormat.Write(baseline), "test");
        await store.ActivateAsync(RecordKind.Baseline, fp, "scan-4", "test");
        await store.ActivateAsync(RecordKind.Catalog, fp, "scan-4", "test");
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        await using (var s = new RawModelServer(channel))
        {
            await s.HelloAsync(fp, "list-scanner", "scan-4");
            await s.ExpectAsync(m => m.Welcome?.CatalogVersion == "scan-4", "Welcome for catalog scan-4");
            var plan = _daemon.Context.Plans.Get(fp).Plan!;
            await s.StartAsync("listed", "scan-list");
            await s.FrameAsync("listed", 0, 6, Prompt(plan, 6, spikeAt: 2));
            Assert.Equal([2u], (await s.ExpectVerdictAsync("listed")).FlaggedPositions);
            await s.EndAsync("listed");
            await s.ExpectVerdictAsync("listed", final: true);
        }

        var list = await new Api.V1.Control.ControlClient(channel).ListFlaggedAsync(new Api.V1.ListFlaggedRequest { Tenant = "scan-list" });
        Assert.Equal([2u], list.Requests.Single(r => r.RequestId == "listed").FlaggedPositions);

        var text = await Cli.CliProcess.RunAsync("ctl", "--server", _daemon.Address.ToString(), "flagged", "--tenant", "scan-list");
        Assert.True(text.Code == 0, text.Err);
        Assert.Contains("prompt positions 2", text.Out);
        var json = await Cli.CliProcess.RunAsync("ctl", "--server", _daemon.Address.ToString(), "flagged", "--tenant", "scan-list", "--json");
        Assert.True(json.Code == 0, json.Err);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Out);
        var row = doc.RootElement.GetProperty("requests").EnumerateArray().Single(r => r.GetProperty("requestId").GetString() == "listed");
        Assert.Equal([2], row.GetProperty("flaggedPositions").EnumerateArray().Select(p => p.GetInt32()));
    }

    /// <summary>Every slot at its benign mean; at <paramref name="spikeAt"/> the scan set's first slot 10 ranges above its benign maximum.</summary>
    private static float[] Prompt(MonitorPlan plan, int steps, int spikeAt)
    {
        int width = plan.Slots.Count;
        var values = Enumerable.Range(0, steps * width).Select(i => plan.Baseline.Slots[i % width].Mean).ToArray();
        if (spikeAt >= 0)
        {
            int slot = plan.Layout.Set("scan").Slots[0];
            var b = plan.Baseline.Slots[slot];
            values[spikeAt * width + slot] = b.Hi + 10 * (b.Hi - b.Lo);
        }
        return values;
    }

    /// <summary>The plan's catalog plus a custom set "scan" over its existing neurons, and its baseline with prefill statistics and a threshold.</summary>
    private static (Catalog, Baseline) WithScanSet(MonitorPlan plan, string version)
    {
        var neurons = plan.Slots.Take(8).Select(n => new CatalogNeuron { Layer = n.Layer, Index = n.Index }).ToList();
        var catalog = plan.Layout.Catalog with
        {
            Version = version,
            Sets = [.. plan.Layout.Catalog.Sets, new NeuronSet { Name = "scan", Kind = NeuronSetKind.Custom, Neurons = neurons }],
        };
        var baseline = plan.Baseline with
        {
            CatalogVersion = version,
            Slots = plan.Baseline.Slots.Select(s => s with { Prefill = new PrefillStats(s.Mean, s.Std, s.DeltaRms, s.Lo, s.Hi) }).ToList(),
            Detectors = [.. plan.Baseline.Detectors, new DetectorCalibration("trigger_scan:scan", 1f, [])],
        };
        return (catalog, baseline);
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
