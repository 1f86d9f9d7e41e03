using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Engine.Tests.Probes;

public sealed class SparseProbeTrainerTests
{
    /// <summary>Feature 0 separates the classes, feature 1 weakly (negatively), features 2–4 are seeded noise.</summary>
    private static (List<float[]> Rows, List<bool> Labels) Data(int n = 200)
    {
        var rng = new Random(7);
        var rows = new List<float[]>();
        var labels = new List<bool>();
        for (int k = 0; k < n; k++)
        {
            bool y = k % 2 == 0;
            rows.Add([
                (y ? 2f : 0f) + (float)rng.NextDouble(),
                (y ? -0.5f : 0f) + (float)rng.NextDouble(),
                (float)rng.NextDouble(), (float)rng.NextDouble(), (float)rng.NextDouble(),
            ]);
            labels.Add(y);
        }
        return (rows, labels);
    }

    [Fact]
    public void Train_ModerateLambda_KeepsTheInformativeNeuronZeroesTheNoise()
    {
        var (rows, labels) = Data();
        var fit = SparseProbeTrainer.Train(rows, labels, lambda: 0.05);
        Assert.True(fit.Converged, $"did not converge in {fit.Iterations} iterations");
        Assert.True(fit.Weights[0] > 1, $"weight of the separating feature is {fit.Weights[0]}");
        Assert.Equal(0f, fit.Weights[2]);
        Assert.Equal(0f, fit.Weights[3]);
        Assert.Equal(0f, fit.Weights[4]);
        int correct = 0;
        for (int k = 0; k < rows.Count; k++)
        {
            double s = fit.Bias;
            for (int j = 0; j < 5; j++)
            {
                s += fit.Weights[j] * (rows[k][j] - fit.Means[j]) / fit.Stds[j];
            }
            correct += (s > 0) == labels[k] ? 1 : 0;
        }
        Assert.True(correct >= 195, $"{correct}/200 training rows classified right");
    }

    [Fact]
    public void Train_LargeLambda_ZeroesEveryWeight()
    {
        var (rows, labels) = Data();
        var fit = SparseProbeTrainer.Train(rows, labels, lambda: 10);
        Assert.All(fit.Weights, w => Assert.Equal(0f, w));
    }

    [Fact]
    public void Train_IsDeterministic()
    {
        var (rows, labels) = Data();
        var a = SparseProbeTrainer.Train(rows, labels, 0.01);
        var b = SparseProbeTrainer.Train(rows, labels, 0.01);
        Assert.Equal(a.Weights, b.Weights);
        Assert.Equal(a.Bias, b.Bias);
        Assert.Equal(a.Iterations, b.Iterations);
    }

    [Fact]
    public void Train_OneClassOnly_SaysBothAreNeeded()
    {
        var e = Assert.Throws<ArgumentException>(() => SparseProbeTrainer.Train([[1f], [2f]], [true, true], 0.1));
        Assert.Contains("both classes", e.Message);
    }
}
