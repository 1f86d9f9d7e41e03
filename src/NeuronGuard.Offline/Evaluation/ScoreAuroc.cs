namespace NeuronGuard.Offline.Evaluation;

/// <summary>Exact AUROC of detector scores (Mann–Whitney U, ties counted half), for evaluation only.</summary>
public static class ScoreAuroc
{
    public static double Compute(IReadOnlyList<float> positive, IReadOnlyList<float> negative)
    {
        if (positive.Count == 0 || negative.Count == 0)
        {
            throw new ArgumentException("AUROC needs at least one positive and one negative score.");
        }
        var neg = negative.OrderBy(x => x).ToArray();
        double wins = 0;
        foreach (float p in positive)
        {
            int below = LowerBound(neg, p);
            int notAbove = UpperBound(neg, p);
            wins += below + 0.5 * (notAbove - below);
        }
        return wins / ((double)positive.Count * negative.Count);
    }

    private static int LowerBound(float[] a, float x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (a[mid] < x) { lo = mid + 1; } else { hi = mid; }
        }
        return lo;
    }

    private static int UpperBound(float[] a, float x)
    {
        int lo = 0, hi = a.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (a[mid] <= x) { lo = mid + 1; } else { hi = mid; }
        }
        return lo;
    }
}
