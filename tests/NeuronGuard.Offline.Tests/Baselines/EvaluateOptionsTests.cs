using NeuronGuard.Bench.Evaluation;

namespace NeuronGuard.Offline.Tests.Baselines;

/// <summary>The options of <c>bench evaluate</c> (the file is linked from bench/NeuronGuard.Bench/Evaluation).</summary>
public sealed class EvaluateOptionsTests
{
    [Fact]
    public void TryParse_Defaults_AreTenDrawsAndTwoSeeds()
    {
        Assert.True(EvaluateOptions.TryParse([], out int draws, out int[] seeds, out string? cache, out string? error));
        Assert.Equal(10, draws);
        Assert.Equal([1, 2], seeds);
        Assert.Null(cache);
        Assert.Null(error);
    }

    [Fact]
    public void TryParse_Values_AreRead()
    {
        Assert.True(EvaluateOptions.TryParse(["--draws", "12", "--untrained-seeds", "3,4,5", "--cache", "/tmp/x"], out int draws, out int[] seeds, out string? cache, out _));
        Assert.Equal(12, draws);
        Assert.Equal([3, 4, 5], seeds);
        Assert.Equal("/tmp/x", cache);
    }

    [Theory]
    [InlineData(new[] { "--draws", "0" }, "--draws needs a value")]
    [InlineData(new[] { "--draws" }, "got 'nothing'")]
    [InlineData(new[] { "--untrained-seeds", "1,x" }, "--untrained-seeds needs a value")]
    [InlineData(new[] { "--seeds", "1" }, "unknown option '--seeds'")]
    public void TryParse_BadInput_SaysWhatItTakes(string[] args, string message)
    {
        Assert.False(EvaluateOptions.TryParse(args, out _, out _, out _, out string? error));
        Assert.Contains(message, error);
    }
}
