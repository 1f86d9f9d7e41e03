using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Engine.Tests.Probes;

public sealed class SparseProbeJsonTests
{
    private static SparseProbe Probe(float threshold) => new()
    {
        Set = "tox", Fingerprint = "fp", CatalogVersion = "v1", Data = "pos vs neg", Bias = -0.25f, Lambda = 0.05,
        Threshold = threshold, TargetFpr = 0.01f,
        Neurons = [new(new NeuronRef(1, 10), 1.5f, 0.5f, 2f), new(new NeuronRef(2, 20), 0f, -1f, 0.25f)],
    };

    private const string Pinned = """
        {
          "format": 1,
          "kind": "sparse-probe",
          "model": "fp",
          "catalog_version": "v1",
          "set": "tox",
          "data": "pos vs neg",
          "lambda": 0.05,
          "bias": -0.25,
          "threshold": 0.75,
          "target_fpr": 0.01,
          "neurons": [
            {
              "layer": 1,
              "index": 10,
              "weight": 1.5,
              "mean": 0.5,
              "std": 2
            },
            {
              "layer": 2,
              "index": 20,
              "weight": 0,
              "mean": -1,
              "std": 0.25
            }
          ]
        }

        """;

    [Fact]
    public void Serialize_TinyProbe_MatchesPinnedFormat1()
    {
        Assert.Equal(Pinned.ReplaceLineEndings("\n"), SparseProbeJson.Serialize(Probe(0.75f)).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Deserialize_PinnedText_RoundTrips()
    {
        var probe = SparseProbeJson.Deserialize(Pinned);
        var expected = Probe(0.75f);
        Assert.Equal(expected.Neurons, probe.Neurons);
        Assert.Equal(expected with { Neurons = probe.Neurons }, probe);
        Assert.Equal(1, probe.NonZero);
    }

    [Fact]
    public void Uncalibrated_WritesNullThreshold_ReadsInfinity()
    {
        var back = SparseProbeJson.Deserialize(SparseProbeJson.Serialize(Probe(float.PositiveInfinity)));
        Assert.True(float.IsPositiveInfinity(back.Threshold));
    }

    [Fact]
    public void Deserialize_LaterFormat_SaysUpgrade()
    {
        var e = Assert.Throws<FormatException>(() => SparseProbeJson.Deserialize(Pinned.Replace("\"format\": 1", "\"format\": 2")));
        Assert.Contains("format 2", e.Message);
        Assert.Throws<FormatException>(() => SparseProbeJson.Deserialize("{\"format\": 1}"));
    }
}
