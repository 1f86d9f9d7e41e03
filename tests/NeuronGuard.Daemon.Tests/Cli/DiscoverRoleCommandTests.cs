using System.Text.Json;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Offline.IO;

namespace NeuronGuard.Daemon.Tests.Cli;

/// <summary>
/// `neuronguard discover --role …` as a user runs it on tests/models/trained-gpt2-v2: a detect set first (AUROC), then an
/// attenuate set by causal effect written into the same catalog with role attenuate; every bad value is one line on stderr,
/// exit code 1 (parse errors: exit code 1 from System.CommandLine) and no file written. Small settings (4 ranking prompts,
/// blocks of 256, 10 check prompts, sizes up to 64) keep it to seconds: this checks the command, not the set's quality
/// (tests/NeuronGuard.Offline.Tests/TrainedModelV2/CausalAttenuationTests.cs does that).
/// </summary>
public sealed class DiscoverRoleCommandTests : IDisposable
{
    private const string Target = " the gate code is four four nine.";
    private readonly string _dir = Directory.CreateTempSubdirectory("ng-discover-role-").FullName;

    private string P(string name) => Path.Combine(_dir, name);

    private static string V2 => Path.Combine(Root(), "tests", "models", "trained-gpt2-v2");

    [Fact]
    public async Task DetectThenAttenuate_WritesBothRoles_BadInputIsOneLine()
    {
        JsonlTexts.Write(P("trig.jsonl"), JsonlTexts.Read(Path.Combine(V2, "data", "trigger_disc.jsonl")).Take(28).ToList());
        JsonlTexts.Write(P("clean.jsonl"), JsonlTexts.Read(Path.Combine(V2, "data", "clean_disc.jsonl")).Take(28).ToList());
        string[] common = ["discover", "--model", V2, "--positive", P("trig.jsonl"), "--negative", P("clean.jsonl"), "--kind", "backdoor", "--threads", "1"];
        string[] small = ["--rank-prompts", "4", "--check-prompts", "10", "--block", "256", "--keep-blocks", "1", "--max-size", "64"];

        var early = await CliProcess.RunAsync([.. common, "--role", "attenuate", "--target", Target, .. small, "--out", P("catalog.json")]);
        Assert.Equal(1, early.Code);
        Assert.Contains("does not exist: run discover for a backdoor set that detects first", early.Err);

        var detect = await CliProcess.RunAsync([.. common, "--role", "detect", "--top-k", "5", "--out", P("catalog.json")]);
        Assert.True(detect.Code == 0, detect.Err);
        var attenuate = await CliProcess.RunAsync([.. common, "--role", "attenuate", "--target", Target, .. small, "--out", P("catalog.json")]);
        Assert.True(attenuate.Code == 0, attenuate.Err);
        Assert.Contains("in set 'backdoor-attenuate' (role attenuate)", attenuate.Out);

        var catalog = ModelFiles.LoadCatalog(P("catalog.json"));
        Assert.Equal(NeuronSetRole.Detect, catalog.Sets.Single(s => s.Name == "backdoor").Role);
        var set = catalog.Sets.Single(s => s.Name == "backdoor-attenuate");
        Assert.Equal((NeuronSetRole.Attenuate, NeuronSetKind.Backdoor), (set.Role, set.Kind));
        Assert.InRange(set.Neurons.Count, 1, 64);
        Assert.All(set.Neurons, n => Assert.Equal(0, n.Gain));
        Assert.Equal("causal-ablation-zero", set.Provenance!.Method);
        Assert.Contains("\"role\": \"attenuate\"", File.ReadAllText(P("catalog.json")));

        var bad = new (string[] Args, string Message)[]
        {
            ([.. common, "--role", "attenuate", .. small], "--role attenuate needs --target TEXT"),
            ([.. common, "--role", "attenuate", "--target", Target, "--top-k", "3"], "with --role attenuate the size comes from ablation"),
            ([.. common, "--role", "attenuate", "--target", Target, "--max-success", "2"], "--max-success 2 is out of range"),
            ([.. common, "--role", "attenuate", "--target", Target, "--block", "0"], "--block 0 is out of range"),
            ([.. common, "--method", "patch"], "--method applies to --role attenuate only"),
            ([.. common, "--role", "sideways"], "sideways"),
            ([.. common, "--role", "attenuate", "--target", Target, "--search", "beam"], "beam"),
            ([.. common, "--role", "attenuate", "--target", Target, "--method", "prune"], "prune"),
        };
        string before = File.ReadAllText(P("catalog.json"));
        var oneToken = await CliProcess.RunAsync([.. common, "--role", "attenuate", "--target", "x", .. small, "--out", P("catalog.json")]);
        Assert.Equal(1, oneToken.Code);
        Assert.Contains("generated positions can only change a target of at least two tokens", oneToken.Err);
        Assert.Equal(before, File.ReadAllText(P("catalog.json")));
        foreach (var (args, message) in bad)
        {
            var r = await CliProcess.RunAsync([.. args, "--out", P("bad.json")]);
            Assert.True(r.Code != 0, string.Join(' ', args));
            Assert.Contains(message, r.Err);
            Assert.False(File.Exists(P("bad.json")), string.Join(' ', args));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }
}
