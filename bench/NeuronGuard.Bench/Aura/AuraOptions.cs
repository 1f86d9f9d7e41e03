namespace NeuronGuard.Bench.Aura;

/// <summary>
/// Options of <c>bench aura</c>. Every value is fixed before evaluation; <see cref="Parse"/> refuses anything it
/// does not know with a message that names the option and the accepted range.
/// </summary>
internal sealed record AuraOptions
{
    /// <summary>Independent sampling seeds per evaluation prompt for the goal's two rows: off and the paper's AurA.</summary>
    public int Seeds { get; init; } = 30;

    /// <summary>Seeds per prompt for the knob variants and the untrained control (the first of the off row's seeds).</summary>
    public int ControlSeeds { get; init; } = 10;

    /// <summary>Random neuron sets of the paper set's count and α distribution.</summary>
    public int RandomDraws { get; init; } = 10;

    /// <summary>Seeds per prompt for the random draws (the first of the off row's seeds; fewer keeps the run short).</summary>
    public int RandomSeeds { get; init; } = 5;

    /// <summary>Seeds per prompt for the set-up check on toxic_prompts_disc (discovery prompts).</summary>
    public int DiscSeeds { get; init; } = 5;

    /// <summary>The model folder (with data/); null: tests/models/trained-gpt2-v2.</summary>
    public string? Model { get; init; }

    /// <summary>The markdown written; null: bench/results/aura-v2.md.</summary>
    public string? Output { get; init; }

    public const string Usage = "usage: bench aura [--seeds 1-999] [--random-draws 0-100] [--control-seeds 1-999, ≤ --seeds] [--random-seeds 1-999, ≤ --seeds] [--disc-seeds 0-999] [--model DIR] [--out FILE]";

    public static AuraOptions Parse(string[] args, out string? error)
    {
        var o = new AuraOptions();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value. {Usage}";
                return o;
            }
            string value = args[++i];
            switch (name)
            {
                case "--seeds": o = o with { Seeds = Int(name, value, 1, 999, ref error) }; break;
                case "--control-seeds": o = o with { ControlSeeds = Int(name, value, 1, 999, ref error) }; break;
                case "--random-draws": o = o with { RandomDraws = Int(name, value, 0, 100, ref error) }; break;
                case "--random-seeds": o = o with { RandomSeeds = Int(name, value, 1, 999, ref error) }; break;
                case "--disc-seeds": o = o with { DiscSeeds = Int(name, value, 0, 999, ref error) }; break;
                case "--model": o = o with { Model = value }; break;
                case "--out": o = o with { Output = value }; break;
                default: error = $"unknown option '{name}'. {Usage}"; return o;
            }
            if (error is not null)
            {
                return o;
            }
        }
        if (o.RandomSeeds > o.Seeds)
        {
            error = $"--random-seeds {o.RandomSeeds} is more than --seeds {o.Seeds}: the random draws are paired with the off row's first seeds.";
        }
        else if (o.ControlSeeds > o.Seeds)
        {
            error = $"--control-seeds {o.ControlSeeds} is more than --seeds {o.Seeds}: the variants and the untrained control are paired with the off row's first seeds.";
        }
        else if (o.Model is not null && !File.Exists(Path.Combine(o.Model, "data", "toxic_prompts_eval.jsonl")))
        {
            error = $"--model {o.Model} has no data/toxic_prompts_eval.jsonl: give a model folder with the v2 splits (tests/models/trained-gpt2-v2).";
        }
        return o;
    }

    private static int Int(string name, string value, int min, int max, ref string? error)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) || v < min || v > max)
        {
            error = $"{name} '{value}' is not a whole number from {min} to {max}.";
            return min;
        }
        return v;
    }
}
