using System.CommandLine;
using System.Globalization;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Offline.Jobs;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Cli.Commands;

/// <summary>What <c>discover --role attenuate</c> needs besides the common options.</summary>
internal sealed record CausalRun(string Model, string Positive, string Negative, NeuronSetKind Kind, string Output, string? Name, int Threads);

/// <summary>
/// The options of <c>discover --role attenuate</c> (causal discovery: AblationDiscoverer) and their checks, kept apart
/// from the AUROC options so each path reads on its own. Every bad value is one line on stderr and exit code 1.
/// </summary>
internal sealed class CausalOptions
{
    private readonly Option<string?> _target = new("--target") { Description = "--role attenuate: the behaviour's continuation whose log-probability ablation lowers (e.g. a backdoor's target text)." };
    private readonly Option<string> _method = new("--method") { Description = "--role attenuate: zero (ablate to 0, what gains can do; default) or patch (activation patching to the paired clean prompt's value, line i of --negative).", DefaultValueFactory = _ => "zero" };
    private readonly Option<string> _search = new("--search") { Description = "--role attenuate: greedy (default: blocks added in rounds, each scored with the chosen ones already ablated) or single (each block, then each neuron of the strongest blocks, ablated alone).", DefaultValueFactory = _ => "greedy" };
    private readonly Option<double> _maxSuccess = new("--max-success") { Description = "--role attenuate: the size rule's goal, attack success on held-apart discovery prompts (0–1).", DefaultValueFactory = _ => 0.05 };
    private readonly Option<int> _maxSize = new("--max-size") { Description = "--role attenuate: largest set tried.", DefaultValueFactory = _ => 1024 };
    private readonly Option<int> _rankPrompts = new("--rank-prompts") { Description = "--role attenuate: triggered prompts (even lines of --positive) that rank neurons.", DefaultValueFactory = _ => 24 };
    private readonly Option<int> _checkPrompts = new("--check-prompts") { Description = "--role attenuate: triggered prompts (odd lines) on which the size is chosen.", DefaultValueFactory = _ => 100 };
    private readonly Option<int> _block = new("--block") { Description = "--role attenuate: neurons ablated together (greedy: the unit added per round; single: the first pass; 1: every neuron alone).", DefaultValueFactory = _ => 16 };
    private readonly Option<int> _keepBlocks = new("--keep-blocks") { Description = "--role attenuate, --search single: strongest blocks whose neurons are then scored alone.", DefaultValueFactory = _ => 32 };

    public static CausalOptions Create()
    {
        var o = new CausalOptions();
        o._method.AcceptOnlyFromAmong("zero", "patch");
        o._search.AcceptOnlyFromAmong("greedy", "single");
        return o;
    }

    public IEnumerable<Option> All => [_target, _method, _search, _maxSuccess, _maxSize, _rankPrompts, _checkPrompts, _block, _keepBlocks];

    /// <summary>The first causal option given on the command line, for the error when the role is not attenuate.</summary>
    public string? Given(ParseResult parse) => All.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false })?.Name;

    public int Run(ParseResult parse, CausalRun run)
    {
        var error = parse.InvocationConfiguration.Error;
        string? target = parse.GetValue(_target);
        if (string.IsNullOrWhiteSpace(target))
        {
            error.WriteLine("error: --role attenuate needs --target TEXT: the continuation (e.g. the backdoor's target) whose probability the ablations are judged by.");
            return 1;
        }
        double maxSuccess = parse.GetValue(_maxSuccess);
        if (!(maxSuccess is >= 0 and <= 1))
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: --max-success {maxSuccess} is out of range: give an attack-success rate in [0, 1] (e.g. 0.05)."));
            return 1;
        }
        foreach (var o in new[] { _maxSize, _rankPrompts, _checkPrompts, _block, _keepBlocks })
        {
            if (parse.GetValue(o) < 1)
            {
                error.WriteLine($"error: {o.Name} {parse.GetValue(o)} is out of range: give at least 1.");
                return 1;
            }
        }
        var options = new CausalDiscoverOptions
        {
            Target = target, SetName = run.Name, Method = parse.GetValue(_method) == "patch" ? CausalMethod.Patch : CausalMethod.Zero,
            Search = parse.GetValue(_search) == "single" ? CausalSearch.Single : CausalSearch.Greedy,
            MaxSuccess = maxSuccess, MaxSize = parse.GetValue(_maxSize), RankPrompts = parse.GetValue(_rankPrompts), CheckPrompts = parse.GetValue(_checkPrompts),
            Block = parse.GetValue(_block), KeepBlocks = parse.GetValue(_keepBlocks),
        };
        var request = new CausalDiscoverJob.Request(run.Model, run.Positive, run.Negative, run.Kind, run.Output, options, run.Threads);
        return JobErrors.Run(() =>
        {
            var (catalog, result) = CausalDiscoverJob.Run(request, Console.Error);
            var at = result.Growth.First(g => g.Size == result.ChosenSize);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ranked {result.Ranked.Length} neurons by causal effect on {result.RankPromptCount} triggered prompts; kept {result.ChosenSize} in set '{result.Set.Name}' (role attenuate) of {request.Output} (version {catalog.Version})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  attack success on {at.Prompts} held-apart discovery prompts: {result.Original.Hits}/{result.Original.Prompts} off, {at.Hits}/{at.Prompts} with the set zeroed at generated positions (goal ≤ {options.MaxSuccess:P0}: {(result.GoalMet ? "met" : "NOT met, the lowest found")})"));
            foreach (var e in result.Ranked.Take(Math.Min(10, result.ChosenSize)))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  layer {e.Neuron.Layer,3} index {e.Neuron.Neuron,6}  drop {e.Drop:F3} nats"));
            }
        });
    }
}
