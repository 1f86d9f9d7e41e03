using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using NeuronGuard.Api.V1;
using Grpc.Core;
using NeuronGuard.Client;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard generate "prompt"</c>: calls <c>neuronguard.v1.Inference/Generate</c> and prints tokens as they come.
/// Human format marks where a run of flagged steps begins with <c>[!</c> and where it ends with <c>!]</c> (once per run,
/// not per token), and a token produced with attenuated neurons with <c>[~N]</c>, then prints the finish reason, how
/// many steps were flagged and the final verdict; <c>--json</c> prints one JSON object per event.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "Plain prompt text (no chat template)." };
        var server = new Option<string>("--server") { Description = $"Address of the daemon or `neuronguard host --listen` {ClientEnvironment.ServerHelp}.", DefaultValueFactory = _ => ClientEnvironment.Server };
        var maxNew = new Option<uint>("--max-new-tokens") { Description = "Tokens to generate at most (server default 32, limit 4096).", DefaultValueFactory = _ => 32 };
        var temperature = new Option<float>("--temperature") { Description = "0 is greedy; above 0 samples.", DefaultValueFactory = _ => 0f };
        var seed = new Option<ulong>("--seed") { Description = "Sampler seed.", DefaultValueFactory = _ => 0 };
        var tenant = new Option<string>("--tenant") { Description = "Tenant (policy scope).", DefaultValueFactory = _ => "" };
        var token = new Option<string?>("--token") { Description = $"Bearer token, when the server has tokens configured (default: ${ClientEnvironment.TokenVariable})." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per event instead of text." };
        var command = new Command("generate", "Generate with the built-in model host through the daemon, showing verdicts and mitigation.");
        command.Arguments.Add(prompt);
        foreach (var o in new Option[] { server, maxNew, temperature, seed, tenant, token, json })
        {
            command.Options.Add(o);
        }
        command.SetAction(async (parse, ct) =>
        {
            var request = new GenerateRequest
            {
                Prompt = parse.GetValue(prompt)!,
                MaxNewTokens = parse.GetValue(maxNew),
                Temperature = parse.GetValue(temperature),
                Seed = parse.GetValue(seed),
                Tenant = parse.GetValue(tenant)!,
            };
            bool asJson = parse.GetValue(json);
            string address = parse.GetValue(server)!;
            if (ClientEnvironment.Address(address) is not { } uri)
            {
                Console.Error.WriteLine($"neuronguard generate: '{address}' is not a server address: use HOST:PORT or http://HOST:PORT.");
                return 2;
            }
            using var channel = DaemonChannel.Create(uri);
            try
            {
                using var call = new Api.V1.Inference.InferenceClient(channel).Generate(request, DaemonChannel.Bearer(ClientEnvironment.Token(parse.GetValue(token))), cancellationToken: ct);
                var run = new FlagRun(Console.Out);
                if (!asJson)
                {
                    Console.Write(request.Prompt);
                }
                while (await call.ResponseStream.MoveNext(ct))
                {
                    var e = call.ResponseStream.Current;
                    if (asJson)
                    {
                        Console.WriteLine(JsonFormatter.Default.Format(e));
                    }
                    else
                    {
                        PrintHuman(e, run);
                    }
                }
                return 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
                return 130;
            }
            catch (Exception ex) when (ClientErrors.Describe(ex, new ClientErrors.CallSite(address, Generate: true)) is { } line)
            {
                Console.Out.Flush();
                Console.Error.WriteLine();
                Console.Error.WriteLine($"neuronguard generate: {line}");
                return ex is RpcException { StatusCode: StatusCode.InvalidArgument } ? 2 : 1;
            }
        });
        return command;
    }

    private static void PrintHuman(GenerateEvent e, FlagRun run)
    {
        if (e.KindCase == GenerateEvent.KindOneofCase.Token)
        {
            var t = e.Token;
            run.Token(t.Text, t.Verdict?.Flagged == true);
            if (t.AttenuatedNeurons > 0)
            {
                Console.Write(string.Create(CultureInfo.InvariantCulture, $"[~{t.AttenuatedNeurons}]"));
            }
            return;
        }
        var done = e.Done;
        run.End();
        Console.WriteLine();
        Console.WriteLine($"finish: {done.FinishReason}{(done.AbortReason.Length > 0 ? $" ({done.AbortReason})" : "")}");
        if (run.Steps > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flagged: {run.Flagged} of {run.Steps} steps, in {run.Runs} run(s) marked [! ... !]"));
        }
        Console.WriteLine($"verdict: {Describe(done.FinalVerdict)}");
        Console.WriteLine("[! ... !] = flagged steps, [~N] = N neurons attenuated for that token");
    }

    /// <summary>One line: flagged or clean, then each detector's score against its threshold.</summary>
    internal static string Describe(Verdict? verdict)
    {
        if (verdict is null)
        {
            return "none (the request was not monitored)";
        }
        var scores = verdict.Scores.Select(s =>
            $"{Daemon.Labels.Detector(s.Detector)} {Rule(s.Score, s.Threshold, s.Flagged)}");
        return $"{(verdict.Flagged ? "FLAGGED" : "clean")}: {string.Join(", ", scores)}";
    }

    /// <summary>
    /// The detector's rule as it was applied: flagged means score &gt; threshold, clean means score &lt;= threshold
    /// (a score equal to the threshold does not flag). Digits are added until the two numbers differ.
    /// </summary>
    internal static string Rule(double score, double threshold, bool flagged)
    {
        string a = "", b = "";
        foreach (var format in new[] { "0.###", "0.######", "R" })
        {
            a = score.ToString(format, CultureInfo.InvariantCulture);
            b = threshold.ToString(format, CultureInfo.InvariantCulture);
            if (a != b)
            {
                break;
            }
        }
        return $"{a} {(flagged ? ">" : "<=")} {b}";
    }
}
