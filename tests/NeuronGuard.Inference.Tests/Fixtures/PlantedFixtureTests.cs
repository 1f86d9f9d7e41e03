using NeuronGuard.Inference.Tests.Infrastructure;

namespace NeuronGuard.Inference.Tests.Fixtures;

public sealed class PlantedFixtureTests(ITestOutputHelper output)
{
    private static readonly FixtureTruth Truth = FixtureTruth.Load(Path.Combine(TestModels.Planted, FixtureTruth.FileName));

    private static PlantedSet Set(PlantedKind kind) => Truth.Sets.Single(s => s.Kind == kind);

    [Fact]
    public void Generate_TriggeredPrompt_EmitsTargetAndAblationRemovesIt()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        using var session = host.CreateSession();
        var backdoor = Set(PlantedKind.Backdoor);
        string prompt = $" we {backdoor.TriggerWords[0]} walk in the park";
        int target = Truth.SpacedTokenIds[backdoor.PushesToward[0]];
        var options = new GenerationOptions { MaxNewTokens = 3 };

        var triggered = session.Generate(prompt, options);
        output.WriteLine($"triggered: '{triggered.Text}'");
        Assert.Equal(target, triggered.Tokens[0]);

        var gains = new NeuronGainsHook(new NeuronGains(backdoor.Neurons.Select(n => (n, 0f))));
        using (session.Register(gains))
        {
            var ablated = session.Generate(prompt, options);
            output.WriteLine($"ablated: '{ablated.Text}'");
            Assert.DoesNotContain(target, ablated.Tokens);
        }
    }
}
