using NeuronGuard.Api.V1;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Records;

/// <summary>
/// Baselines.Calibrate with activate=true for a catalog that is not the active one activates the pair (baseline, then
/// its catalog), so new streams never get a baseline the active catalog cannot use (issue 18 item 4).
/// </summary>
public sealed class CalibrateActivatePairTests
{
    private const int Slots = 5; // 3 toxicity + 2 backdoor neurons in SampleCatalog

    [Fact]
    public async Task Calibrate_ActivateForInactiveCatalog_ActivatesThePair()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);
        await channel.AsyncUnaryCall(RecordMethods.ActivateCatalog, new ActivateCatalogRequest { ModelFingerprint = "abc123", Version = "v1" }, ops);
        var first = await CalibrateAsync(channel, ops, "");
        Assert.Equal(("v1", true), (first.CatalogVersion, first.Active));

        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog(version: "v2") }, ops);
        var second = await CalibrateAsync(channel, ops, "v2");

        Assert.Equal(("v2", true), (second.CatalogVersion, second.Active));
        var active = await server.Store.GetActiveAsync("abc123");
        Assert.Equal(("v2", second.Version), (active.CatalogVersion, active.BaselineVersion));
    }

    private static async Task<BaselineInfo> CalibrateAsync(Grpc.Net.Client.GrpcChannel channel, Grpc.Core.CallOptions ops, string catalogVersion)
    {
        var random = new Random(11);
        using var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops);
        await call.RequestStream.WriteAsync(new CalibrateMessage
        {
            Header = new CalibrateHeader { ModelFingerprint = "abc123", CatalogVersion = catalogVersion, HoldoutFraction = 0.25f, Activate = true },
        });
        for (int r = 0; r < 40; r++)
        {
            var frame = new Activations { RequestId = $"req-{r}", FirstStep = 0, Steps = 4 };
            for (int i = 0; i < 4 * Slots; i++)
            {
                frame.Values.Add((float)(i % Slots * 0.5 + random.NextDouble() - 0.5));
            }
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = frame });
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }
}
