using System.Text;
using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Engine.Tests.Catalogs;

public sealed class CatalogJsonTests
{
    [Fact]
    public void Serialize_ThenParse_RoundTripsEveryField()
    {
        var catalog = TestCatalogs.Small();
        var parsed = CatalogJson.Parse(CatalogJson.Serialize(catalog));
        Assert.Equal(catalog.Model, parsed.Model);
        Assert.Equal(catalog.Version, parsed.Version);
        Assert.Equal(catalog.Sets.Count, parsed.Sets.Count);
        for (int i = 0; i < catalog.Sets.Count; i++)
        {
            Assert.Equal(catalog.Sets[i].Name, parsed.Sets[i].Name);
            Assert.Equal(catalog.Sets[i].Kind, parsed.Sets[i].Kind);
            Assert.Equal(catalog.Sets[i].Provenance, parsed.Sets[i].Provenance);
            Assert.Equal(catalog.Sets[i].Neurons, parsed.Sets[i].Neurons);
        }
    }

    [Fact]
    public void Serialize_SmallCatalog_MatchesPinnedFormat()
    {
        var catalog = new Catalog
        {
            Model = new ModelShape { Fingerprint = "ff", Layers = 2, NeuronsPerLayer = 8 },
            Version = "3",
            Sets = [TestCatalogs.Set("t", NeuronSetKind.Toxicity, TestCatalogs.N(1, 7, 0.75, 0.5), TestCatalogs.N(0, 2))],
        };
        string json = Encoding.UTF8.GetString(CatalogJson.Serialize(catalog)).Replace("\r\n", "\n");
        const string expected = """
            {
              "format": 1,
              "model": {
                "fingerprint": "ff",
                "layers": 2,
                "neuronsPerLayer": 8
              },
              "version": "3",
              "sets": [
                {
                  "name": "t",
                  "kind": "toxicity",
                  "neurons": [
                    {
                      "layer": 1,
                      "index": 7,
                      "score": 0.75,
                      "gain": 0.5
                    },
                    {
                      "layer": 0,
                      "index": 2
                    }
                  ],
                  "provenance": {
                    "method": "aura-auroc",
                    "data": "pos.jsonl vs neg.jsonl",
                    "date": "2026-11-22"
                  }
                }
              ]
            }
            """;
        Assert.Equal(expected, json);
    }

    [Fact]
    public void Parse_UnknownKind_NamesTheAcceptedKinds()
    {
        var e = Assert.Throws<CatalogException>(() => Parse(Valid.Replace("\"toxicity\"", "\"evil\"")));
        Assert.Contains("kind 'evil' is not known: use one of safety, toxicity, backdoor, custom", e.Message);
        Assert.Contains("$.sets[0].kind", e.Message);
    }

    [Fact]
    public void Parse_MissingVersion_SaysWhichPropertyIsMissing()
    {
        var e = Assert.Throws<CatalogException>(() => Parse(Valid.Replace("\"version\": \"1\",", "")));
        Assert.Contains("version", e.Message);
    }

    [Fact]
    public void Parse_NotJson_ThrowsCatalogException()
    {
        var e = Assert.Throws<CatalogException>(() => Parse("{ nope"));
        Assert.Contains("not valid catalog JSON", e.Message);
    }

    [Fact]
    public void Parse_LayerOutOfRange_SaysHowManyLayersExist()
    {
        var e = Assert.Throws<CatalogException>(() => Parse(Valid.Replace("\"layer\": 1", "\"layer\": 40")));
        Assert.Contains("set 't', neuron (layer 40, index 7): layer 40 does not exist: the model has 12 layers (0–11).", e.Message);
    }

    private const string Valid = """
        {"format": 1, "model": {"fingerprint": "ff", "layers": 12, "neuronsPerLayer": 3072}, "version": "1",
         "sets": [{"name": "t", "kind": "toxicity", "neurons": [{"layer": 1, "index": 7, "score": 0.9}],
                   "provenance": {"method": "m", "data": "d", "date": "2026-11-22"}}]}
        """;

    private static Catalog Parse(string json) => CatalogJson.Parse(Encoding.UTF8.GetBytes(json));
    private static readonly NeuronExplanation Unlocks = new() { Promotes = [" unlocked", " open"], Suppresses = [" shut", "\n"], Method = "logit-lens: U·(ln_f.weight ∘ w_out)" };

    [Fact]
    public void Explanation_RoundTripsThroughTheJson()
    {
        var catalog = TestCatalogs.Small();
        var set = catalog.Sets[0];
        var explained = catalog with { Sets = [set with { Neurons = [set.Neurons[0] with { Explanation = Unlocks }, .. set.Neurons.Skip(1)] }, .. catalog.Sets.Skip(1)] };
        var parsed = CatalogJson.Parse(CatalogJson.Serialize(explained));
        Assert.Equal(Unlocks, parsed.Sets[0].Neurons[0].Explanation);
        Assert.Equal([" unlocked", " open"], parsed.Sets[0].Neurons[0].Explanation!.Promotes);
        Assert.Equal("\n", parsed.Sets[0].Neurons[0].Explanation!.Suppresses[1]);
        Assert.Null(parsed.Sets[0].Neurons[1].Explanation);
        Assert.Contains("\"explanation\"", Encoding.UTF8.GetString(CatalogJson.Serialize(explained)));
    }

    [Fact]
    public void CatalogWithoutExplanations_ParsesAndWritesNoExplanationKey()
    {
        const string old = """{"format":1,"model":{"fingerprint":"ff","layers":2,"neuronsPerLayer":8},"version":"1","sets":[{"name":"t","kind":"toxicity","neurons":[{"layer":1,"index":7,"score":0.75}]}]}""";
        var parsed = CatalogJson.Parse(Encoding.UTF8.GetBytes(old));
        Assert.Null(parsed.Sets[0].Neurons[0].Explanation);
        Assert.DoesNotContain("explanation", Encoding.UTF8.GetString(CatalogJson.Serialize(parsed)));
    }

    [Fact]
    public void Explanation_WithoutMethodOrWithTooManyTokens_IsRefusedWithTheFix()
    {
        string Json(string explanation) => $$"""{"format":1,"model":{"fingerprint":"ff","layers":2,"neuronsPerLayer":8},"version":"1","sets":[{"name":"t","kind":"toxicity","neurons":[{"layer":1,"index":7,"explanation":{{explanation}}}]}]}""";
        var e = Assert.Throws<CatalogException>(() => CatalogJson.Parse(Encoding.UTF8.GetBytes(Json("""{"promotes":["a"],"suppresses":[],"method":""}"""))));
        Assert.Contains("explanation needs promotes, suppresses and method", e.Message);
        string many = "[" + string.Join(",", Enumerable.Range(0, NeuronExplanation.MaxTokens + 1).Select(i => $"\"t{i}\"")) + "]";
        e = Assert.Throws<CatalogException>(() => CatalogJson.Parse(Encoding.UTF8.GetBytes(Json($$"""{"promotes":{{many}},"suppresses":[],"method":"m"}"""))));
        Assert.Contains($"keep at most {NeuronExplanation.MaxTokens} per list", e.Message);
    }
}
