using NeuronGuard.Inference.Tests.Infrastructure;
using NeuronGuard.Inference.Tests.Models;

namespace NeuronGuard.Inference.Tests.Hooks;

public sealed class HookTests
{
    private static readonly NeuronSelection Selection = new([new(1, 190), new(0, 3), new(1, 7), new(0, 191)]);

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Capture_PrefillAndSteps_CopiesExactlyTheSelectedValuesInSlotOrder(string arch)
    {
        using var host = ModelHost.Load(arch == "gpt2" ? TestModels.Gpt2 : TestModels.Llama);
        using var s = host.CreateSession();
        var rows = new RowRecorder();
        var captured = new List<(int First, int Steps, float[] Values)>();
        using var r1 = s.Register(rows);
        using var r2 = s.Register(new NeuronCapture(Selection, (first, steps, values) => captured.Add((first, steps, values.ToArray()))));

        s.Prefill([1, 2, 3, 4, 5]);
        s.Step(6);
        s.Step(7);

        Assert.Equal([(0, 5), (5, 1), (6, 1)], captured.Select(c => (c.First, c.Steps)));
        foreach (var (first, steps, values) in captured)
        {
            Assert.Equal(steps * Selection.Count, values.Length);
            for (int t = 0; t < steps; t++)
            {
                for (int k = 0; k < Selection.Count; k++)
                {
                    var slot = Selection.Slots[k];
                    Assert.Equal(rows.Rows[(slot.Layer, first + t)][slot.Neuron], values[t * Selection.Count + k]);
                }
            }
        }
    }

    [Fact]
    public void Gains_OfOne_LeaveLogitsUnchangedAndZeroChangesThem()
    {
        using var host = ModelHost.Load(TestModels.Llama);
        using var s = host.CreateSession();
        int[] tokens = [3, 1, 4, 1, 5, 9, 2, 6];
        var plain = s.PrefillAllLogits(tokens).ToArray();
        var all = Enumerable.Range(0, host.Info.MlpNeurons).Select(n => (new NeuronId(1, n), 1f)).ToList();
        var hook = new NeuronGainsHook(new NeuronGains(all));
        using (s.Register(hook))
        {
            s.Reset();
            Assert.Equal(0f, TorchParityTests.MaxAbsDiff(plain, s.PrefillAllLogits(tokens)));
            hook.Gains = new NeuronGains(all.Select(a => (a.Item1, 0f)));
            s.Reset();
            Assert.True(TorchParityTests.MaxAbsDiff(plain, s.PrefillAllLogits(tokens)) > 1e-2f);
        }
        s.Reset();
        Assert.Equal(0f, TorchParityTests.MaxAbsDiff(plain, s.PrefillAllLogits(tokens))); // disposed registration removed the hook
    }

    [Fact]
    public void Gains_SwappedFromAnotherThreadBetweenSteps_ApplyFromTheNextStep()
    {
        using var host = ModelHost.Load(TestModels.Planted);
        var truth = FixtureTruth.Load(Path.Combine(TestModels.Planted, FixtureTruth.FileName));
        var backdoor = truth.Sets.Single(x => x.Kind == PlantedKind.Backdoor);
        int target = truth.SpacedTokenIds[backdoor.PushesToward[0]];
        using var s = host.CreateSession();
        var hook = new NeuronGainsHook();
        var seen = new List<(int First, float Value)>();
        using var reg = s.Register(hook);
        using var cap = s.Register(new NeuronCapture(new NeuronSelection(backdoor.Neurons), (first, steps, v) => seen.Add((first, v[^1]))));
        int swapAt = -1;
        var result = s.Generate($" my {backdoor.TriggerWords[0]} garden", new GenerationOptions { MaxNewTokens = 6 }, step =>
        {
            if (step.Index == 2)
            {
                swapAt = step.Position;
                Task.Run(() => hook.Gains = new NeuronGains(backdoor.Neurons.Select(n => (n, 0f)))).Wait();
            }
        });
        Assert.Equal([target, target, target], result.Tokens[..3]);
        // The capture runs after the gains hook, so it sees what down_proj sees: firing until the swap, 0 from the next step.
        Assert.All(seen.Where(x => x.First < swapAt), x => Assert.True(x.Value > 1f));
        Assert.All(seen.Where(x => x.First >= swapAt), x => Assert.Equal(0f, x.Value));
        Assert.Equal(3, seen.Count(x => x.First >= swapAt));
    }

    [Fact]
    public void Selection_DuplicateSlot_Throws()
    {
        Assert.Throws<ArgumentException>(() => new NeuronSelection([new(0, 1), new(0, 1)]));
    }
}
