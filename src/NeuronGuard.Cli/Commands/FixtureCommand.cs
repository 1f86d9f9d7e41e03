using System.CommandLine;
using NeuronGuard.Inference;

namespace NeuronGuard.Cli.Commands;

/// <summary><c>neuronguard fixture --out DIR [--random gpt2-small|llama-100m] [--seed N]</c>: writes a model folder.</summary>
internal static class FixtureCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Folder to write (created if missing).", Required = true };
        var random = new Option<string?>("--random") { Description = "Write a random-weight model instead of the planted fixture: gpt2-small or llama-100m." };
        random.AcceptOnlyFromAmong("gpt2-small", "llama-100m");
        var seed = new Option<int>("--seed") { Description = "Seed of weights and planted neuron choice.", DefaultValueFactory = _ => FixtureMaker.DefaultSeed };
        var command = new Command("fixture", "Write the planted GPT-2 fixture (with fixture.json ground truth) or a random-weight benchmark model.");
        command.Options.Add(outDir);
        command.Options.Add(random);
        command.Options.Add(seed);
        command.SetAction((parse, _) =>
        {
            string dir = parse.GetValue(outDir)!;
            string? shape = parse.GetValue(random);
            if (shape is null)
            {
                var truth = FixtureMaker.WritePlanted(dir, parse.GetValue(seed));
                Console.WriteLine($"wrote planted fixture to {dir}; ground truth in {Path.Combine(dir, FixtureTruth.FileName)} ({truth.Sets.Sum(s => s.Neurons.Count)} planted neurons)");
            }
            else
            {
                FixtureMaker.WriteRandom(dir, shape == "gpt2-small" ? RandomModelShape.Gpt2Small : RandomModelShape.Llama100M, parse.GetValue(seed));
                Console.WriteLine($"wrote random {shape} model to {dir}");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
