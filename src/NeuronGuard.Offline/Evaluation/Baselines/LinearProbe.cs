using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Offline.Evaluation.Baselines;

/// <summary>
/// The linear-probe control (issue 26 item 3d): an L1 logistic regression (<see cref="SparseProbeTrainer"/>, the
/// trainer behind <c>train-probe</c>) over any chosen columns of pooled per-prompt features — the catalogued neurons,
/// or every MLP neuron. Trained on discovery rows, scored on evaluation rows; the score is the logit
/// b + Σ w_j·(x_j − μ_j)/σ_j, so AUROC needs no threshold.
/// </summary>
public sealed class LinearProbe
{
    private readonly int[] _columns;
    private readonly ProbeFit _fit;

    private LinearProbe(int[] columns, ProbeFit fit)
    {
        _columns = columns;
        _fit = fit;
    }

    public int Columns => _columns.Length;

    /// <summary>Columns with a non-zero weight.</summary>
    public int NonZero => _fit.Weights.Count(w => w != 0);

    public bool Converged => _fit.Converged;

    public int Iterations => _fit.Iterations;

    public static LinearProbe Fit(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, int[] columns, double lambda, int maxIterations = 5000)
    {
        if (columns.Length == 0)
        {
            throw new ArgumentException("a probe needs at least one column.", nameof(columns));
        }
        var selected = rows.Select(r => Select(r, columns)).ToList();
        return new LinearProbe(columns, SparseProbeTrainer.Train(selected, labels, lambda, maxIterations));
    }

    public float Score(float[] row)
    {
        double s = _fit.Bias;
        for (int j = 0; j < _columns.Length; j++)
        {
            if (_fit.Weights[j] != 0)
            {
                s += _fit.Weights[j] * (row[_columns[j]] - _fit.Means[j]) / _fit.Stds[j];
            }
        }
        return (float)s;
    }

    private static float[] Select(float[] row, int[] columns)
    {
        var x = new float[columns.Length];
        for (int j = 0; j < columns.Length; j++)
        {
            x[j] = row[columns[j]];
        }
        return x;
    }
}
