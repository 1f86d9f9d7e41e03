namespace NeuronGuard.Bench.Evaluation;

/// <summary>
/// Copies the goal tables of the other benches measured on the same model (backdoor-unseen, aura, causal, integrity)
/// into trained-model.md at render time, so the one report a reader opens shows every goal, while each figure stays
/// owned by the command that measures it: rerun that command, then re-render with <c>evaluate --cache DIR</c>.
/// </summary>
internal static class CompanionSections
{
    /// <summary>One borrowed section: the results file, the heading whose section is copied (null: the first table), and what it is.</summary>
    internal sealed record Source(string File, string Command, string? HeadingPrefix, string Title);

    internal static readonly Source[] All =
    [
        new("backdoor-unseen.md", "backdoor-unseen", "## Goals on the unseen triggers", "Backdoor: unseen triggers and the default response (issue 27 item 5)"),
        new("backdoor-unseen.md", "backdoor-unseen", "## Per trigger", "Backdoor: per unseen trigger"),
        new("backdoor-unseen.md", "backdoor-unseen", "## Detection at prefill and its controls", "Backdoor: detection at prefill beside its controls (untrained weights, random sets, lexical)"),
        new("aura-v2.md", "aura", "## Goal (issue 26 item 7)", "Toxicity mitigation: AurA as the paper has it (issue 26 items 5, 7)"),
        new("causal-attenuation.md", "causal", "## Unseen triggers", "Backdoor: attenuation sets chosen by causal effect (issue 27 item 4)"),
        new("integrity-v2.md", "integrity --model tests/models/trained-gpt2-v2", null, "Integrity alarm: stealthy edits of the safety set (issue 27 item 6)"),
    ];

    /// <summary>The section's lines without its heading, or a line saying the file or section is missing (never throws: the report still renders).</summary>
    internal static IReadOnlyList<string> Read(string resultsDir, Source source)
    {
        string path = Path.Combine(resultsDir, source.File);
        if (!File.Exists(path))
        {
            return [$"*Not measured yet: run `{source.Command}` to write bench/results/{source.File}.*"];
        }
        var lines = File.ReadAllLines(path);
        int start = source.HeadingPrefix is null
            ? Array.FindIndex(lines, l => l.StartsWith('|'))
            : Array.FindIndex(lines, l => l.StartsWith(source.HeadingPrefix, StringComparison.Ordinal)) + 1;
        if (start <= 0 && source.HeadingPrefix is not null || start < 0)
        {
            return [$"*bench/results/{source.File} has no section `{source.HeadingPrefix ?? "table"}`: rerun `{source.Command}`.*"];
        }
        int end = source.HeadingPrefix is null
            ? Array.FindIndex(lines, start, l => !l.StartsWith('|'))
            : Array.FindIndex(lines, start, l => l.StartsWith("## ", StringComparison.Ordinal));
        if (end < 0)
        {
            end = lines.Length;
        }
        return lines[start..end].SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
    }
}
