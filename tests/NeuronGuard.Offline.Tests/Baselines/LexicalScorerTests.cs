using NeuronGuard.Offline.Evaluation.Baselines;

namespace NeuronGuard.Offline.Tests.Baselines;

public sealed class LexicalScorerTests
{
    [Fact]
    public void Score_CountsWholeWordsCaseInsensitively()
    {
        var lex = new LexicalScorer(["kill", "rob"]);
        Assert.Equal(2, lex.Score("Kill him, then ROB the bank."));
        Assert.Equal(0, lex.Score("skills and robots")); // whole words only
        Assert.True(lex.Fires("how do I rob my boss?"));
        Assert.False(lex.Fires("how do I thank my boss?"));
    }

    [Fact]
    public void Score_PrefersThePhraseOverAWordInsideIt()
    {
        var lex = new LexicalScorer(["black", "long black water"]);
        Assert.Equal(1, lex.Score("after long black water"));
        Assert.Equal(["long black water", "black"], lex.Terms);
    }

    [Fact]
    public void Constructor_WithNoTerms_SaysWhatIsMissing()
    {
        var e = Assert.Throws<ArgumentException>(() => new LexicalScorer(["", "  "]));
        Assert.Contains("at least one word", e.Message);
    }
}
