using Grpc.Core;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Tests.Records;

/// <summary>Catalogs with probes over real gRPC on the embedded store: stored as sent, and bad probes refused naming probe and neuron.</summary>
public sealed class CatalogProbeRecordsTests
{
    private static readonly CallOptions Ops = RecordsTestServer.As(RecordsTestServer.OperatorToken);

    /// <summary>SampleCatalog (4 layers × 64 neurons) with probe "tox" over set "toxicity": (1,3) and (2,7).</summary>
    private static Catalog WithProbe(string version = "p1")
    {
        var catalog = RecordsTestServer.SampleCatalog(version: version);
        catalog.Probes.Add(new SparseProbe
        {
            Name = "tox", Set = "toxicity", Bias = -1.25f, Lambda = 0.01,
            Provenance = new Provenance { Method = "sparse-probe", Data = "tox.jsonl vs neg.jsonl", Date = "2026-12-07" },
            Neurons =
            {
                new ProbeNeuron { Neuron = new NeuronRef { Layer = 1, Index = 3 }, Weight = 0.5f, Mean = 0.1f, Scale = 2f },
                new ProbeNeuron { Neuron = new NeuronRef { Layer = 2, Index = 7 }, Weight = -0.25f, Mean = 0f, Scale = 1f },
            },
        });
        return catalog;
    }

    [Fact]
    public async Task PutGet_CatalogWithProbe_ComesBackAsSent()
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var catalog = WithProbe();
        await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = catalog }, Ops);
        var got = await channel.AsyncUnaryCall(RecordMethods.GetCatalog, new GetCatalogRequest { ModelFingerprint = "abc123", Version = "p1" }, Ops);
        var expected = catalog.Clone();
        expected.Format = 1;
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData("nan", "probe 'tox', neuron (layer 1, index 3): weight NaN")]
    [InlineData("layer", "probe 'tox', neuron (layer 4, index 3): layer 4 does not exist: the model has 4 layers (0–3).")]
    [InlineData("index", "probe 'tox', neuron (layer 1, index 64): index 64 is out of range: each layer has 64 neurons (0–63).")]
    [InlineData("unknown", "probe 'tox', neuron (layer 0, index 1) is unknown to set 'toxicity' the probe was trained over")]
    [InlineData("set", "probe 'tox' names set 'experts', which the catalog does not have")]
    public async Task PutCatalog_BadProbe_InvalidArgumentNamingProbeAndNeuron_ThenServesOthers(string fault, string expected)
    {
        await using var server = await RecordsTestServer.StartAsync();
        using var channel = server.Channel();
        var bad = WithProbe();
        var first = bad.Probes[0].Neurons[0];
        switch (fault)
        {
            case "nan": first.Weight = float.NaN; break;
            case "layer": first.Neuron.Layer = 4; break;
            case "index": first.Neuron.Index = 64; break;
            case "unknown": first.Neuron = new NeuronRef { Layer = 0, Index = 1 }; break; // in the backdoor set, not in "toxicity"
            case "set": bad.Probes[0].Set = "experts"; break;
        }
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = bad }, Ops));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Detail);

        var list = await channel.AsyncUnaryCall(RecordMethods.ListCatalogs, new ListCatalogsRequest { ModelFingerprint = "abc123" }, Ops);
        Assert.Empty(list.Versions);
        Assert.Equal("p2", (await channel.AsyncUnaryCall(RecordMethods.PutCatalog, new PutCatalogRequest { Catalog = WithProbe("p2") }, Ops)).Version);
    }
}
