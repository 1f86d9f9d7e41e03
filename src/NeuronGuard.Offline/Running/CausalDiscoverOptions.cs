using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>How a candidate's causal effect is measured at generated positions.</summary>
public enum CausalMethod
{
    /// <summary>Zero the neuron (gain 0): what the attenuation the daemon applies can do.</summary>
    Zero,

    /// <summary>Patch the neuron to its value in the paired clean prompt's run with the same continuation (activation patching).</summary>
    Patch,
}

/// <summary>How candidates are ranked.</summary>
public enum CausalSearch
{
    /// <summary>Each block, then each neuron of the strongest blocks, ablated alone: cheap, blind to neurons that stand in for each other.</summary>
    Single,

    /// <summary>Blocks added greedily, each round scored with the chosen ones already ablated (the set doubles per round).</summary>
    Greedy,
}

/// <summary>Settings of <c>neuronguard discover --role attenuate</c>. One setting, one property, default beside it.</summary>
public sealed record CausalDiscoverOptions
{
    /// <summary>The backdoor's continuation whose log-probability the ablations lower (e.g. " the gate code is four four nine.").</summary>
    public required string Target { get; init; }

    /// <summary>Name of the written set. Defaults to the kind's name + "-attenuate".</summary>
    public string? SetName { get; init; }

    public CausalMethod Method { get; init; } = CausalMethod.Zero;

    /// <summary>Defaults to greedy: on trained-gpt2-v2's discovery data single reached 52 % attack success at 1,024 neurons, greedy 3 % at 771 (bench/results/causal-attenuation.md).</summary>
    public CausalSearch Search { get; init; } = CausalSearch.Greedy;

    /// <summary>Triggered prompts (even lines of the positive file) that rank candidates. Defaults to 24.</summary>
    public int RankPrompts { get; init; } = 24;

    /// <summary>Triggered prompts (odd lines, disjoint from the ranking ones) on which the set size is chosen. Defaults to 100.</summary>
    public int CheckPrompts { get; init; } = 100;

    /// <summary>Neurons per block of the first pass (each block ablated as one); 1 scores every neuron alone. Defaults to 16.</summary>
    public int Block { get; init; } = 16;

    /// <summary>Blocks of the first pass whose neurons are then scored one by one. Defaults to 32.</summary>
    public int KeepBlocks { get; init; } = 32;

    /// <summary>The size rule's goal: the smallest set whose ablation leaves at most this attack success on the check prompts. Defaults to 0.05.</summary>
    public double MaxSuccess { get; init; } = 0.05;

    /// <summary>Largest set tried. Defaults to 1024.</summary>
    public int MaxSize { get; init; } = 1024;

    /// <summary>Greedy tokens generated per check prompt. Defaults to 12.</summary>
    public int MaxNewTokens { get; init; } = 12;

    /// <summary>What goes in the set's provenance.data.</summary>
    public string Data { get; init; } = "positive vs negative";
}

/// <summary>One neuron's causal effect: the mean drop (nats per prompt) of the target's log-probability when it is ablated.</summary>
/// <param name="Alone">True when measured alone; false when only its block was (its drop is the block's share).</param>
public sealed record NeuronEffect(NeuronId Neuron, double Drop, bool Alone);

/// <summary>One size tried: attack success on the check prompts and clean check prompts whose continuation changed.</summary>
public sealed record GrowthPoint(int Size, int Hits, int Prompts, int CleanChanged, int CleanPrompts);

/// <summary>What causal discovery found: every neuron ranked, every size tried, the size chosen and the set.</summary>
public sealed record CausalDiscoveryResult(NeuronEffect[] Ranked, IReadOnlyList<GrowthPoint> Growth, GrowthPoint Original, int ChosenSize, bool GoalMet,
    NeuronSet Set, int RankPromptCount);
