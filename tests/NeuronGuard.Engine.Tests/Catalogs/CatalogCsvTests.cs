using NeuronGuard.Engine.Catalogs;

namespace NeuronGuard.Engine.Tests.Catalogs;

public sealed class CatalogCsvTests
{
    [Fact]
    public void ReadSet_HeaderAndScores_DerivesAuraGains()
    {
        var set = CatalogCsv.ReadSet(new StringReader("layer,index,score\n3,17,0.9\n\n# note\n5,2\n"), "tox", NeuronSetKind.Toxicity, TestCatalogs.Provenance);
        Assert.Equal(2, set.Neurons.Count);
        Assert.Equal(new NeuronRef(3, 17), set.Neurons[0].Ref);
        Assert.Equal(0.9, set.Neurons[0].Score);
        Assert.Equal(0.2, set.Neurons[0].Gain!.Value, 9);
        Assert.Null(set.Neurons[1].Score);
        Assert.Null(set.Neurons[1].Gain);
    }

    [Fact]
    public void ReadNeurons_BadLines_NameEachLine()
    {
        var e = Assert.Throws<CatalogException>(() => CatalogCsv.ReadNeurons(new StringReader("1,2,0.5\nx,2\n1,2,3,4\n1,2,abc\n")));
        Assert.Equal(3, e.Errors.Count);
        Assert.StartsWith("line 2: layer and index must be whole numbers", e.Errors[0]);
        Assert.StartsWith("line 3: expected 'layer,index[,score]'", e.Errors[1]);
        Assert.StartsWith("line 4: score 'abc' is not a number", e.Errors[2]);
    }
}
