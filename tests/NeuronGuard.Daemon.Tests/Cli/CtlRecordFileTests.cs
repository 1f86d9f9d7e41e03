using System.Text.Json;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Tests.Records;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// Files the user holds go back to the daemon through the real CLI: a catalog as `discover` writes it or as
/// `Catalogs.GetCatalog` returns it (proto JSON), and a baseline file as `neuronguard calibrate` writes it.
/// </summary>
public sealed class CtlRecordFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-ctl-files-").FullName;

    [Fact]
    public async Task CatalogPut_AcceptsTheFileFormat_AndTheProtoJsonThatCatalogGetReturns()
    {
        await using var server = await RecordsTestServer.StartAsync();
        var file = Path.Combine(_dir, "catalog.json");
        File.WriteAllBytes(file, CatalogJson.Serialize(NeuronGuard.Daemon.Records.CatalogMapping.ToEngine(RecordsTestServer.SampleCatalog(version: "c1"), [])));
        var put = await Ctl(server, RecordsTestServer.OperatorToken, "catalog", "put", file);
        Assert.True(put.Code == 0, put.Err);

        var get = await Ctl(server, RecordsTestServer.ViewerToken, "catalog", "get", "--model", "abc123", "c1");
        Assert.True(get.Code == 0, get.Err);
        Assert.Contains("\"NEURON_SET_KIND_BACKDOOR\"", get.Out);
        Assert.Contains("\"modelFingerprint\": \"abc123\"", get.Out);

        // The proto JSON as returned, under a new version, is accepted and stored with the same sets.
        var proto = Path.Combine(_dir, "catalog.proto.json");
        File.WriteAllText(proto, get.Out.Replace("\"version\": \"c1\"", "\"version\": \"c2\"", StringComparison.Ordinal));
        var putProto = await Ctl(server, RecordsTestServer.OperatorToken, "catalog", "put", proto);
        Assert.True(putProto.Code == 0, putProto.Err);
        Assert.Contains("stored catalog 'c2' for model abc123 (2 sets)", putProto.Out);
        var c1 = CatalogJson.Parse((await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "c1"))!.Payload.Span);
        var c2 = CatalogJson.Parse((await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "c2"))!.Payload.Span);
        Assert.Equal(JsonSerializer.Serialize(c1.Sets), JsonSerializer.Serialize(c2.Sets));

        // A proto JSON catalog with an unknown kind: one line naming it, exit 1, nothing stored.
        File.WriteAllText(proto, get.Out.Replace("\"version\": \"c1\"", "\"version\": \"c3\"", StringComparison.Ordinal)
            .Replace("NEURON_SET_KIND_BACKDOOR", "NEURON_SET_KIND_TROJAN", StringComparison.Ordinal));
        var bad = await Ctl(server, RecordsTestServer.OperatorToken, "catalog", "put", proto);
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("error: ", bad.Err);
        Assert.Contains("NEURON_SET_KIND_TROJAN", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));
        Assert.Null(await server.Store.GetRecordAsync(RecordKind.Catalog, "abc123", "c3"));
    }

    [Fact]
    public async Task BaselinePut_StoresTheFile_ListMarksTheActive_BadFilesAreRefused()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = RecordsTestServer.SampleCatalog() }, ops);
        var calibrated = await CalibrateAsync(channel, ops);
        var bytes = (await server.Store.GetRecordAsync(RecordKind.Baseline, "abc123", calibrated))!.Payload.ToArray();
        var file = Path.Combine(_dir, "baseline.ngb");
        File.WriteAllBytes(file, bytes);

        var put = await Ctl(server, RecordsTestServer.OperatorToken, "baseline", "put", file, "--version", "b2");
        Assert.True(put.Code == 0, put.Err);
        Assert.Contains("stored baseline 'b2' for model abc123 (catalog 'v1'", put.Out);
        Assert.Equal(bytes, (await server.Store.GetRecordAsync(RecordKind.Baseline, "abc123", "b2"))!.Payload.ToArray());
        Assert.Equal("ops", (await server.Store.GetRecordAsync(RecordKind.Baseline, "abc123", "b2"))!.Info.Actor);

        var again = await Ctl(server, RecordsTestServer.OperatorToken, "baseline", "put", file, "--version", "b2");
        Assert.True(again.Code == 0, again.Err); // the same bytes again: a retry

        var activate = await Ctl(server, RecordsTestServer.OperatorToken, "baseline", "activate", "--model", "abc123", "b2");
        Assert.True(activate.Code == 0, activate.Err);
        var list = await Ctl(server, RecordsTestServer.ViewerToken, "baseline", "list", "--model", "abc123");
        Assert.True(list.Code == 0, list.Err);
        Assert.Equal([$"  {calibrated}", "* b2"], list.Out.TrimEnd().Split('\n'));

        var corrupt = (byte[])bytes.Clone();
        corrupt[^10] ^= 0xFF;
        File.WriteAllBytes(file, corrupt);
        var bad = await Ctl(server, RecordsTestServer.OperatorToken, "baseline", "put", file, "--version", "b3");
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("error: INVALID_ARGUMENT: the baseline file is not readable", bad.Err);
        var other = await Ctl(server, RecordsTestServer.OperatorToken, "baseline", "put", file.Replace("baseline.ngb", "catalog.json", StringComparison.Ordinal));
        Assert.Equal(2, other.Code);
        Assert.Contains("does not exist", other.Err);
        var viewer = await Ctl(server, RecordsTestServer.ViewerToken, "baseline", "put", Path.Combine(_dir, "baseline.ngb"));
        Assert.StartsWith("error: PERMISSION_DENIED: ", viewer.Err);
        Assert.Null(await server.Store.GetRecordAsync(RecordKind.Baseline, "abc123", "b3"));
    }

    private static Task<(int Code, string Out, string Err)> Ctl(RecordsTestServer server, string token, params string[] args) =>
        CliProcess.RunAsync(["ctl", "--server", server.Address, "--token", token, .. args]);

    /// <summary>A baseline for SampleCatalog from 40 random benign requests, not activated; returns its version.</summary>
    private static async Task<string> CalibrateAsync(Grpc.Net.Client.GrpcChannel channel, Grpc.Core.CallOptions ops)
    {
        var random = new Random(3);
        using var call = channel.AsyncClientStreamingCall(RecordMethods.Calibrate, ops);
        await call.RequestStream.WriteAsync(new CalibrateMessage { Header = new CalibrateHeader { ModelFingerprint = "abc123", CatalogVersion = "v1" } });
        for (int r = 0; r < 40; r++)
        {
            var frame = new Activations { RequestId = $"r{r}", FirstStep = 0, Steps = 4 };
            for (int i = 0; i < 4 * 5; i++)
            {
                frame.Values.Add((float)random.NextDouble());
            }
            await call.RequestStream.WriteAsync(new CalibrateMessage { Frame = frame });
        }
        await call.RequestStream.CompleteAsync();
        return (await call).Version;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
