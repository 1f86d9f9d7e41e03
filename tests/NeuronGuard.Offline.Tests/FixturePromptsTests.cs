using NeuronGuard.Offline.Prompts;

namespace NeuronGuard.Offline.Tests;

[Collection(PlantedFixtureCollection.Name)]
public sealed class FixturePromptsTests(PlantedFixture fixture)
{
    private static readonly PromptCounts Counts = new() { DiscoveryPositive = 50, DiscoveryBenign = 100, CalibrationBenign = 200, HeldOutPositive = 50, HeldOutBenign = 200 };

    [Fact]
    public void Generate_SameSeed_GivesTheSamePrompts()
    {
        var a = FixturePrompts.Generate(fixture.Truth, Counts, 5);
        var b = FixturePrompts.Generate(fixture.Truth, Counts, 5);
        var c = FixturePrompts.Generate(fixture.Truth, Counts, 6);
        Assert.Equal(All(a), All(b));
        Assert.NotEqual(All(a), All(c));
    }

    [Fact]
    public void Generate_Splits_AreDisjointAndSized()
    {
        var s = FixturePrompts.Generate(fixture.Truth, Counts);
        var all = All(s);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(3 * 50 + 100 + 200 + 3 * 50 + 200, all.Count);
    }

    [Fact]
    public void Generate_Prompts_CarryExactlyTheirKindsWord()
    {
        var s = FixturePrompts.Generate(fixture.Truth, Counts);
        var special = fixture.Truth.Sets.ToDictionary(x => x.Kind, x => x.TriggerWords.ToHashSet());
        int Count(string text, Inference.PlantedKind kind) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(special[kind].Contains);
        Assert.All(s.HeldOut.Toxic, t => Assert.Equal(1, Count(t, Inference.PlantedKind.Toxicity)));
        Assert.All(s.HeldOut.Harmful, t => Assert.Equal(1, Count(t, Inference.PlantedKind.Safety)));
        Assert.All(s.HeldOut.Triggered, t => Assert.Equal(1, Count(t, Inference.PlantedKind.Backdoor)));
        Assert.All(s.Calibration.Concat(s.HeldOut.Benign), t =>
            Assert.Equal(0, Count(t, Inference.PlantedKind.Toxicity) + Count(t, Inference.PlantedKind.Safety) + Count(t, Inference.PlantedKind.Backdoor)));
        Assert.All(s.Calibration, t => Assert.StartsWith(" ", t));
    }

    private static List<string> All(PromptSplits s) =>
        [.. s.Discovery.Benign, .. s.Discovery.Toxic, .. s.Discovery.Triggered, .. s.Discovery.Harmful, .. s.Calibration,
         .. s.HeldOut.Benign, .. s.HeldOut.Toxic, .. s.HeldOut.Triggered, .. s.HeldOut.Harmful];
}
