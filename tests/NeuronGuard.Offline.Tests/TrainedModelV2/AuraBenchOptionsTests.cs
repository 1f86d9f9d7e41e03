using NeuronGuard.Bench.Aura;

namespace NeuronGuard.Offline.Tests.TrainedModelV2;

/// <summary>Bad input to <c>bench aura</c>'s options gets a message naming the option and what it accepts (the bench's options file is compiled in).</summary>
public sealed class AuraBenchOptionsTests
{
    [Theory]
    [InlineData(new[] { "--seeds", "0" }, "--seeds '0' is not a whole number from 1 to 999")]
    [InlineData(new[] { "--seeds", "ten" }, "--seeds 'ten' is not a whole number")]
    [InlineData(new[] { "--random-draws", "-1" }, "--random-draws '-1' is not a whole number from 0 to 100")]
    [InlineData(new[] { "--seeds", "5", "--random-seeds", "6" }, "--random-seeds 6 is more than --seeds 5")]
    [InlineData(new[] { "--seeds", "5", "--control-seeds", "9" }, "--control-seeds 9 is more than --seeds 5")]
    [InlineData(new[] { "--seeds" }, "--seeds needs a value")]
    [InlineData(new[] { "--sedes", "3" }, "unknown option '--sedes'")]
    [InlineData(new[] { "--model", "/nonexistent/model" }, "has no data/toxic_prompts_eval.jsonl")]
    public void BadOption_IsRefusedWithItsReason(string[] args, string expected)
    {
        AuraOptions.Parse(args, out string? error);
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void GoodOptions_Parse()
    {
        var o = AuraOptions.Parse(["--seeds", "20", "--control-seeds", "10", "--random-seeds", "5", "--random-draws", "12", "--disc-seeds", "0"], out string? error);
        Assert.Null(error);
        Assert.Equal((20, 10, 5, 12, 0), (o.Seeds, o.ControlSeeds, o.RandomSeeds, o.RandomDraws, o.DiscSeeds));
    }
}
