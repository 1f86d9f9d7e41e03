using System.CommandLine;
using NeuronGuard.Inference;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard fingerprint DIR</c>: the model fingerprint catalogs and baselines are keyed by, as the daemon and the
/// Python client compute it (the loader's own recipe: this command only loads the folder and prints what it says).
/// </summary>
internal static class FingerprintCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "Hugging Face model folder (config.json, *.safetensors, tokenizer.json)." };
        var command = new Command("fingerprint", "Print a model folder's fingerprint (the key of its catalogs and baselines).") { dir };
        command.SetAction((parse, _) =>
        {
            string folder = parse.GetValue(dir)!;
            var error = parse.InvocationConfiguration.Error;
            if (!Directory.Exists(folder))
            {
                error.WriteLine($"error: model folder '{folder}' does not exist.");
                return Task.FromResult(2);
            }
            try
            {
                using var host = ModelHost.Load(folder, new ModelHostOptions { Threads = 1 });
                parse.InvocationConfiguration.Output.WriteLine(host.Info.Fingerprint);
                return Task.FromResult(0);
            }
            catch (ModelLoadException e)
            {
                error.WriteLine($"error: {e.Message.ReplaceLineEndings(" ")}");
                return Task.FromResult(1);
            }
        });
        return command;
    }
}
