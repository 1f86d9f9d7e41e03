using System.CommandLine;
using NeuronGuard.Inference;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard run --model DIR "prompt"</c>: local generation with the built-in host, no daemon.
/// Prints the completion as it is generated.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model folder (config.json, safetensors, tokenizer.json).", Required = true };
        var prompt = new Argument<string>("prompt") { Description = "Plain prompt text (no chat template)." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 64 };
        var temperature = new Option<float>("--temperature") { Description = "0 is greedy; above 0 samples.", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0: all).", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass (1: all).", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed") { Description = "Sampler seed.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "CPU threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("run", "Generate text locally with the built-in CPU model host (no daemon).");
        command.Arguments.Add(prompt);
        foreach (var o in new Option[] { model, maxNew, temperature, topK, topP, seed, threads })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) =>
        {
            try
            {
                using var host = ModelHost.Load(parse.GetValue(model)!, new ModelHostOptions { Threads = parse.GetValue(threads) });
                using var session = host.CreateSession();
                var options = new GenerationOptions
                {
                    MaxNewTokens = parse.GetValue(maxNew),
                    Temperature = parse.GetValue(temperature),
                    TopK = parse.GetValue(topK),
                    TopP = parse.GetValue(topP),
                    Seed = parse.GetValue(seed),
                };
                string text = parse.GetValue(prompt)!;
                Console.Write(text);
                var result = session.Generate(text, options, step => Console.Write(host.Tokenizer.Decode([step.Token])), ct);
                Console.WriteLine();
                Console.Error.WriteLine($"[{result.Tokens.Length} tokens, stop: {result.StopReason}]");
                return Task.FromResult(0);
            }
            catch (ModelLoadException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }
}
