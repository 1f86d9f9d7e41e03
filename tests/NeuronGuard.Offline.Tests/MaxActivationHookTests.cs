using NeuronGuard.Engine;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Tests;

[Collection(PlantedFixtureCollection.Name)]
public sealed class MaxActivationHookTests(PlantedFixture fixture)
{
    [Fact]
    public void Max_OverAPrompt_EqualsMaxOfCapturedSteps()
    {
        using var host = ModelHost.Load(fixture.Dir, new ModelHostOptions { Threads = 1 });
        var neurons = new NeuronRef[] { new(0, 0), new(1, 7), new(3, 511) };
        var hook = new MaxActivationHook(host.Info.Layers, host.Info.MlpNeurons);
        hook.Clear();
        using var runner = new PromptRunner(host, neurons) { DecodeSteps = 0 };
        CapturedRequest captured;
        using (var session = host.CreateSession())
        using (session.Register(hook))
        {
            session.Prefill(PromptRunner.Tokens(host, " the cat and the stupid dog", 64));
            captured = runner.Run(" the cat and the stupid dog");
        }
        var values = captured.Values();
        Assert.Single(captured.Frames);
        for (int k = 0; k < neurons.Length; k++)
        {
            float expected = Enumerable.Range(0, captured.Steps).Max(t => values[t * neurons.Length + k]);
            Assert.Equal(expected, hook.Max[neurons[k].Layer * host.Info.MlpNeurons + neurons[k].Index]);
        }
    }

    [Fact]
    public void Run_WithDecodeSteps_SendsPromptBlockThenOneFramePerStep()
    {
        using var host = ModelHost.Load(fixture.Dir, new ModelHostOptions { Threads = 1 });
        using var runner = new PromptRunner(host, [new NeuronRef(2, 3)]) { DecodeSteps = 3 };
        var captured = runner.Run(" the cat sat");
        int prompt = PromptRunner.Tokens(host, " the cat sat", 64).Length;
        Assert.Equal([(0, prompt), (prompt, 1), (prompt + 1, 1), (prompt + 2, 1)], captured.Frames);
        Assert.Equal(prompt + 3, captured.Steps);
    }
}
