using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Records;
using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Scoring;
using Grpc.Core;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Records;

public sealed class BaselinesServiceTests
{
    private const int Slots = 5; // 3 toxicity + 2 backdoor neurons in SampleCatalog

    [Fact]
    public async Task Calibrate_FromFrames_StoresAndActivates_AndTheBaselineScores()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);
        await channel.AsyncUnaryCall(RecordMethods.ActivateCatalog, new ActivateCatalogRequest { ModelFingerprint = "abc123", Version = "v1" }, ops);

        var random = new Random(7);
        using var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops);
        await call.RequestStream.WriteAsync(new CalibrateMessage { Header = new CalibrateHeader { ModelFingerprint = "abc123", HoldoutFraction = 0.25f, Activate = true } });
        for (int r = 0; r < 80; r++)
        {
            // A prefill block of 6 steps, then 4 single decode steps.
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = Frame($"req-{r}", 0, 6, random) });
            for (int step = 6; step < 10; step++)
            {
                await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = Frame($"req-{r}", step, 1, random) });
            }
        }
        await call.RequestStream.CompleteAsync();
        var info = await call;

        Assert.Equal(("abc123", "v1", true), (info.ModelFingerprint, info.CatalogVersion, info.Active));
        Assert.Equal(80UL, info.Requests);
        Assert.Equal(80UL * 10 * Slots, info.NeuronSteps);
        Assert.Contains(info.Thresholds.Keys, k => k.Contains("coverage", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(info.Version, (await server.Store.GetActiveAsync("abc123")).BaselineVersion);

        var get = await channel.AsyncUnaryCall(RecordMethods.GetBaseline, new GetBaselineRequest { ModelFingerprint = "abc123" }, RecordsTestServer.As(RecordsTestServer.ViewerToken));
        Assert.Equal((info.Version, info.SizeBytes, true), (get.Version, get.SizeBytes, get.Active));
        Assert.Equal(info.Thresholds, get.Thresholds);

        // The stored bytes are a BaselineFormat baseline that binds to the catalog with every threshold in place.
        var record = await server.Store.GetRecordAsync(RecordKind.Baseline, "abc123", info.Version);
        Assert.Equal(BaselineFormat.Version, record!.Info.FormatVersion);
        var baseline = BaselineFormat.Read(record.Payload.Span);
        var catalogRecord = await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "v1");
        var plan = MonitorPlan.Create(Engine.Catalogs.CatalogJson.Parse(catalogRecord!.Payload.Span), baseline);

        using (var benign = plan.Rent())
        {
            Assert.Equal(FrameStatus.Ok, benign.Feed(0, 6, Frame("b", 0, 6, new Random(99)).Values.ToArray()));
            Assert.False(benign.Results.ToArray().Single(d => d.Name.Contains("coverage", StringComparison.OrdinalIgnoreCase)).Flag);
        }
        using (var odd = plan.Rent())
        {
            var values = Enumerable.Repeat(500f, 6 * Slots).ToArray(); // far outside every calibrated range
            Assert.Equal(FrameStatus.Ok, odd.Feed(0, 6, values));
            Assert.True(odd.AnyFlag);
        }
    }

    [Fact]
    public async Task Calibrate_WrongValueCount_InvalidArgument_NothingStored()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);

        using var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops);
        await call.RequestStream.WriteAsync(new CalibrateMessage { Header = new CalibrateHeader { ModelFingerprint = "abc123", CatalogVersion = "v1" } });
        var frame = Frame("r0", 0, 2, new Random(1));
        frame.Values.RemoveAt(0);
        await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = frame });
        await call.RequestStream.CompleteAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("has 9 values for 2 step(s): expected steps × slots = 2 × 5 = 10", ex.Status.Detail);
        Assert.Empty(await server.Store.ListRecordsAsync(RecordKind.Baseline, "abc123"));
    }

    [Fact]
    public async Task Calibrate_TooFewRequests_FailedPrecondition_NoHeader_InvalidArgument()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);

        using (var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops))
        {
            await call.RequestStream.WriteAsync(new CalibrateMessage { Header = new CalibrateHeader { ModelFingerprint = "abc123", CatalogVersion = "v1" } });
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = Frame("only", 0, 3, new Random(2)) });
            await call.RequestStream.CompleteAsync();
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await call);
            Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        }
        using (var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops))
        {
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = Frame("r", 0, 1, new Random(3)) });
            await call.RequestStream.CompleteAsync();
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await call);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Contains("first Calibrate message must be the header", ex.Status.Detail);
        }
    }

    [Fact]
    public async Task ActivateUnknownBaseline_NotFound()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.ActivateBaseline, new ActivateBaselineRequest { ModelFingerprint = "abc123", Version = "b0" }, RecordsTestServer.As(RecordsTestServer.OperatorToken)));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    /// <summary>Benign-looking activations: each slot around its own mean.</summary>
    private static Activations Frame(string id, int firstStep, int steps, Random random)
    {
        var frame = new Activations { RequestId = id, FirstStep = (uint)firstStep, Steps = (uint)steps };
        for (int t = 0; t < steps; t++)
        {
            for (int s = 0; s < Slots; s++)
            {
                frame.Values.Add((float)(s * 0.5 + random.NextDouble() - 0.5));
            }
        }
        return frame;
    }
}
