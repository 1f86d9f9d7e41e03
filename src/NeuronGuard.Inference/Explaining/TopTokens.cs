namespace NeuronGuard.Inference.Explaining;

/// <summary>
/// Top-k and bottom-k of one logit row by insertion into two sorted k-arrays: k is small (8 by default), so after the
/// first few thousand entries almost every value fails the first comparison and the scan runs at memory speed. Ties
/// keep the lower token id first, so the result does not depend on scan order.
/// </summary>
internal static class TopTokens
{
    /// <summary>
    /// Fills <paramref name="top"/> with the ids of the largest logits (descending) and <paramref name="bottom"/> with the
    /// smallest (ascending), among ids for which <paramref name="eligible"/> is true. Returns how many were found (≤ k).
    /// </summary>
    public static int Select(ReadOnlySpan<float> logits, Func<int, bool> eligible, Span<int> top, Span<int> bottom)
    {
        int k = top.Length;
        int n = 0;
        int nb = 0;
        for (int id = 0; id < logits.Length; id++)
        {
            float v = logits[id];
            if (float.IsNaN(v) || !eligible(id))
            {
                continue;
            }
            n = Insert(logits, top, n, k, id, v, descending: true);
            nb = Insert(logits, bottom, nb, k, id, v, descending: false);
        }
        return n;
    }

    private static int Insert(ReadOnlySpan<float> logits, Span<int> ids, int count, int k, int id, float v, bool descending)
    {
        if (count == k && !Before(v, logits[ids[k - 1]], descending))
        {
            return count; // ties with the last kept value lose: that one has the lower id
        }
        int at = count < k ? count : k - 1;
        while (at > 0 && Before(v, logits[ids[at - 1]], descending))
        {
            ids[at] = ids[at - 1];
            at--;
        }
        ids[at] = id;
        return Math.Min(count + 1, k);
    }

    private static bool Before(float v, float other, bool descending) => descending ? v > other : v < other;
}
