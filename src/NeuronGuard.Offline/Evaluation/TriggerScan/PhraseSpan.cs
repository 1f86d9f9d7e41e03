namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>Where an inserted phrase sits in a prompt's tokens, found against the prompt without it.</summary>
public static class PhraseSpan
{
    /// <summary>
    /// Token positions [Start, End) that differ between <paramref name="with"/> and <paramref name="without"/>: after
    /// their common prefix and before their common suffix (the inserted phrase's tokens).
    /// </summary>
    public static (int Start, int End) Of(int[] with, int[] without)
    {
        int start = 0;
        while (start < with.Length && start < without.Length && with[start] == without[start])
        {
            start++;
        }
        int suffix = 0;
        while (suffix < with.Length - start && suffix < without.Length - start && with[^(suffix + 1)] == without[^(suffix + 1)])
        {
            suffix++;
        }
        return (start, with.Length - suffix);
    }

    /// <summary>Whether any of <paramref name="positions"/> lies in [start, end).</summary>
    public static bool Hits(ReadOnlySpan<int> positions, (int Start, int End) span)
    {
        foreach (int p in positions)
        {
            if (p >= span.Start && p < span.End)
            {
                return true;
            }
        }
        return false;
    }
}
