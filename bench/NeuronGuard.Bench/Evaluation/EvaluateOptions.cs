namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// The options of <c>bench evaluate</c>, parsed without other dependencies so the test project can link this file
/// and check that bad input gets a message naming the option and what it takes.
/// </summary>
internal static class EvaluateOptions
{
    internal static bool TryParse(string[] args, out int draws, out int[] seeds, out string? cache, out string? error)
    {
        draws = 10;
        seeds = [1, 2];
        cache = null;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--draws" when int.TryParse(value, out int d) && d >= 1:
                    draws = d;
                    i++;
                    break;
                case "--untrained-seeds" when value is not null && value.Split(',').All(s => int.TryParse(s, out _)):
                    seeds = value.Split(',').Select(int.Parse).ToArray();
                    i++;
                    break;
                case "--cache" when value is not null:
                    cache = value;
                    i++;
                    break;
                case "--draws" or "--untrained-seeds" or "--cache":
                    error = $"evaluate: {args[i]} needs a value (--draws N ≥ 1, --untrained-seeds 1,2, --cache DIR); got '{value ?? "nothing"}'.";
                    return false;
                default:
                    error = $"evaluate: unknown option '{args[i]}'; known: --draws N, --untrained-seeds A,B, --cache DIR.";
                    return false;
            }
        }
        return true;
    }
}
