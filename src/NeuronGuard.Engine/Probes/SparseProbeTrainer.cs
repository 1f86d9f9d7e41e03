namespace NeuronGuard.Engine.Probes;

/// <summary>What <see cref="SparseProbeTrainer.Train"/> found: per feature weight, mean and std, the bias, and how it stopped.</summary>
public sealed record ProbeFit(float[] Weights, float[] Means, float[] Stds, float Bias, int Iterations, bool Converged);

/// <summary>
/// Fits an L1-regularised logistic regression by proximal gradient descent (ISTA), deterministically (plain
/// sequential double-precision loops, no randomness): features are standardized (z = (x − μ)/σ over the training
/// rows; σ = 1 for a constant feature), classes are weighted to count equally (c = n / (2·n_class)), and the loss
/// (1/n)·Σ c_k·log(1 + e^(−y_k·(b + w·z_k))) + λ·‖w‖₁ (bias not penalized) is minimized with step 1/L,
/// L = max(c)·(d + 1)/4 (a bound on the gradient's Lipschitz constant for standardized columns), then soft-thresholded:
/// w_j ← sign(v_j)·max(|v_j| − λ/L, 0). Stops when no parameter moves more than <c>tolerance</c>, or after
/// <c>maxIterations</c>.
/// </summary>
public static class SparseProbeTrainer
{
    public static ProbeFit Train(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, double lambda, int maxIterations = 5000, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        int n = rows.Count;
        if (n == 0 || n != labels.Count)
        {
            Throw.Argument($"need as many labels as rows and at least one row (rows {n}, labels {labels.Count}).", nameof(labels));
        }
        int positives = labels.Count(l => l);
        if (positives == 0 || positives == n)
        {
            Throw.Argument($"both classes are needed to train a probe ({positives} positive of {n}).", nameof(labels));
        }
        if (!(lambda >= 0) || double.IsInfinity(lambda))
        {
            Throw.Argument($"lambda {lambda} must be a finite number ≥ 0.", nameof(lambda));
        }
        int d = rows[0].Length;
        var (mean, std) = Standardization(rows, d);
        var z = rows.Select(r => Standardize(r, mean, std)).ToArray();
        double cPos = n / (2.0 * positives), cNeg = n / (2.0 * (n - positives));
        double step = 1 / (Math.Max(cPos, cNeg) * (d + 1) / 4.0);
        var w = new double[d];
        var grad = new double[d];
        double b = 0;
        int it = 0;
        bool converged = false;
        while (it < maxIterations && !converged)
        {
            it++;
            Array.Clear(grad);
            double gb = 0;
            for (int k = 0; k < n; k++)
            {
                double margin = b;
                for (int j = 0; j < d; j++)
                {
                    margin += w[j] * z[k][j];
                }
                double y = labels[k] ? 1 : 0;
                double g = (labels[k] ? cPos : cNeg) * (Sigmoid(margin) - y) / n;
                gb += g;
                for (int j = 0; j < d; j++)
                {
                    grad[j] += g * z[k][j];
                }
            }
            double moved = Math.Abs(step * gb);
            b -= step * gb;
            for (int j = 0; j < d; j++)
            {
                double v = w[j] - step * grad[j];
                double next = Math.Sign(v) * Math.Max(Math.Abs(v) - step * lambda, 0);
                moved = Math.Max(moved, Math.Abs(next - w[j]));
                w[j] = next;
            }
            converged = moved <= tolerance;
        }
        return new ProbeFit(w.Select(x => (float)x).ToArray(), mean.Select(x => (float)x).ToArray(), std.Select(x => (float)x).ToArray(), (float)b, it, converged);
    }

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    private static (double[] Mean, double[] Std) Standardization(IReadOnlyList<float[]> rows, int d)
    {
        var mean = new double[d];
        var std = new double[d];
        foreach (var r in rows)
        {
            if (r.Length != d)
            {
                Throw.Argument($"every row needs {d} features; one has {r.Length}.", nameof(rows));
            }
            for (int j = 0; j < d; j++)
            {
                mean[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++)
        {
            mean[j] /= rows.Count;
        }
        foreach (var r in rows)
        {
            for (int j = 0; j < d; j++)
            {
                std[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++)
        {
            std[j] = Math.Sqrt(std[j] / rows.Count);
            if (!(std[j] > 1e-12))
            {
                std[j] = 1;
            }
        }
        return (mean, std);
    }

    private static double[] Standardize(float[] row, double[] mean, double[] std)
    {
        var z = new double[row.Length];
        for (int j = 0; j < row.Length; j++)
        {
            z[j] = (row[j] - mean[j]) / std[j];
        }
        return z;
    }
}
