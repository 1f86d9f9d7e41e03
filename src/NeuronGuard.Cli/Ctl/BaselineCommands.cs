using System.CommandLine;
using Google.Protobuf;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Cli.Ctl;

/// <summary><c>ctl baseline put FILE</c> (a file from <c>neuronguard calibrate</c>) and <c>ctl baseline list</c>.</summary>
internal static class BaselineCommands
{
    public static Command Put()
    {
        var file = new Argument<string>("file") { Description = "Baseline file, as written by `neuronguard calibrate --out FILE`." };
        var version = new Option<string?>("--version") { Description = "Version to store it under (default: a new time-stamped version)." };
        var command = new Command("put", "Store a baseline file (not yet active); the daemon checks it against the catalog it was calibrated for.") { file, version };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CtlUsageException($"baseline file '{path}' does not exist.");
            }
            var request = new PutBaselineRequest { Baseline = ByteString.CopyFrom(await File.ReadAllBytesAsync(path, s.CancellationToken)), Version = parse.GetValue(version) ?? "" };
            var reply = await s.Baselines.PutBaselineAsync(request, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine($"stored baseline '{reply.Version}' for model {reply.ModelFingerprint} (catalog '{reply.CatalogVersion}', {reply.SizeBytes} bytes); " +
                $"activate it with `neuronguard ctl baseline activate --model {reply.ModelFingerprint} {reply.Version}`");
        }));
        return command;
    }

    public static Command List()
    {
        var model = new Option<string>("--model") { Description = "Model fingerprint.", Required = true };
        var command = new Command("list", "Baseline versions stored for a model, oldest first; * marks the active one.") { model };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Baselines.ListBaselinesAsync(new ListBaselinesRequest { ModelFingerprint = parse.GetValue(model)! }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            if (reply.Versions.Count == 0)
            {
                s.Output.WriteLine($"no baselines stored for model {parse.GetValue(model)}");
            }
            foreach (var v in reply.Versions)
            {
                s.Output.WriteLine(v == reply.ActiveVersion ? $"* {v}" : $"  {v}");
            }
        }));
        return command;
    }
}
