using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Records;
using CatalogJson = NeuronGuard.Engine.Catalogs.CatalogJson;
using Grpc.Core;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Records;

public sealed class CatalogsServiceTests
{
    [Fact]
    public async Task PutGetListActivate_RoundTrip_AttributedToTheToken()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        var catalog = RecordsTestServer.SampleCatalog();

        Assert.Equal("v1", (await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = catalog }, ops)).Version);
        var v2 = RecordsTestServer.SampleCatalog(version: "v2");
        v2.Sets[0].Neurons.RemoveAt(2);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = v2 }, ops);
        // The same content again is an idempotent retry.
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = catalog }, ops);

        var list = await channel.AsyncUnaryCall(RecordMethods.ListCatalogs, new ListCatalogsRequest { ModelFingerprint = "abc123" }, ops);
        Assert.Equal(["v1", "v2"], list.Versions);
        Assert.Equal("", list.ActiveVersion);

        var got = await channel.AsyncUnaryCall(RecordMethods.GetCatalog, new GetCatalogRequest { ModelFingerprint = "abc123", Version = "v1" }, ops);
        var expected = catalog.Clone();
        expected.Format = 1;
        Assert.Equal(expected, got);

        Assert.Equal("", (await channel.AsyncUnaryCall(RecordMethods.ActivateCatalog, new ActivateCatalogRequest { ModelFingerprint = "abc123", Version = "v1" }, ops)).PreviousVersion);
        Assert.Equal("v1", (await channel.AsyncUnaryCall(RecordMethods.ActivateCatalog, new ActivateCatalogRequest { ModelFingerprint = "abc123", Version = "v2" }, ops)).PreviousVersion);
        var active = await channel.AsyncUnaryCall(RecordMethods.GetCatalog, new GetCatalogRequest { ModelFingerprint = "abc123" }, RecordsTestServer.As(RecordsTestServer.ViewerToken));
        Assert.Equal("v2", active.Version);
        Assert.Equal(2, active.Sets[0].Neurons.Count);

        // Stored as catalog JSON the engine reads, by the token's name.
        var record = await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "v2");
        Assert.Equal(Engine.Catalogs.Catalog.CurrentFormat, record!.Info.FormatVersion);
        Assert.Equal("ops", record.Info.Actor);
        Assert.Equal(2, CatalogJson.Parse(record.Payload.Span).Sets.Count);
        var audit = await server.Store.ReadAuditAsync(0, 10);
        Assert.Contains(audit, e => e.Action == AuditActions.RecordActivate && e.Actor == "ops" && e.Version == "v2");
    }

    [Fact]
    public async Task InvalidCatalog_InvalidArgument_ListsEveryProblem()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var bad = RecordsTestServer.SampleCatalog();
        bad.Sets[0].Neurons[0].Neuron.Layer = 9;                               // only 4 layers
        bad.Sets[0].Neurons[1].Score = 1.5f;                                   // not an AUROC
        bad.Sets[1].Kind = NeuronSetKind.Unspecified;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = bad }, RecordsTestServer.As(RecordsTestServer.OperatorToken)));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("3 problems", ex.Status.Detail);
        Assert.Contains("layer 9 does not exist", ex.Status.Detail);
        Assert.Contains("score 1.5 is not an AUROC", ex.Status.Detail);
        Assert.Contains("set 'backdoor' has kind Unspecified", ex.Status.Detail);
        Assert.Empty(await server.Store.ListRecordsAsync(RecordKind.Catalog, "abc123"));
    }

    [Fact]
    public async Task ActivateUnknownVersion_NotFound_ChangedContent_AlreadyExists_ViewerCannotPut()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.ActivateCatalog, new ActivateCatalogRequest { ModelFingerprint = "abc123", Version = "nope" }, ops));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);
        var changed = RecordsTestServer.SampleCatalog();
        changed.Sets.RemoveAt(1);
        var exists = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = changed }, ops));
        Assert.Equal(StatusCode.AlreadyExists, exists.StatusCode);

        var viewer = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog(version: "v9") }, RecordsTestServer.As(RecordsTestServer.ViewerToken)));
        Assert.Equal(StatusCode.PermissionDenied, viewer.StatusCode);

        var badName = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog(version: "../x") }, ops));
        Assert.Equal(StatusCode.InvalidArgument, badName.StatusCode);
    }
}
