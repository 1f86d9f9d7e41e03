using System.Text.Json;
using NeuronGuard.Engine.Probes;

namespace NeuronGuard.Daemon.Tests.Onboarding;

/// <summary>
/// The Python client's probe trainer (clients/python/neuronguard/probes.py, torch) against the C# one
/// (<see cref="SparseProbeTrainer"/>) on the same rows: the same neurons selected, weights and bias within
/// <see cref="Tolerance"/> (both run the same float64 proximal gradient; only summation order differs).
/// </summary>
public sealed class PythonProbeTrainerTests
{
    private const double Tolerance = 1e-4;

    private const string Script = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        from neuronguard.probes import train_probe
        data = json.load(open(sys.argv[2]))
        p = train_probe(data["rows"], data["labels"], [(0, j) for j in range(len(data["rows"][0]))], lam=data["lambda"])
        print(json.dumps({"weights": [n.weight for n in p.neurons], "bias": p.bias, "converged": p.converged}))
        """;

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.1)]
    public async Task PythonTrainer_SameData_SelectsTheSameNeuronsAsTheCSharpTrainer(double lambda)
    {
        var rng = new Random(7);
        var rows = new List<float[]>();
        var labels = new List<bool>();
        for (int i = 0; i < 240; i++)
        {
            var row = Enumerable.Range(0, 16).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            rows.Add(row);
            labels.Add(row[1] + 0.5 * row[4] - row[9] + (rng.NextDouble() - 0.5) > 0);
        }
        var fit = SparseProbeTrainer.Train(rows, labels, lambda);
        string data = Path.Combine(Path.GetTempPath(), $"ng-probe-rows-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(data, JsonSerializer.Serialize(new { rows, labels, lambda }));
        try
        {
            var (code, output) = await PythonScript.RunAsync(Script, $"{Path.Combine(RepoRoot(), "clients", "python")} {data}");
            Assert.True(code == 0, output);
            using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            var weights = doc.RootElement.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
            Assert.True(fit.Converged);
            Assert.Equal(Selected(fit.Weights.Select(w => (double)w)), Selected(weights));
            Assert.InRange(fit.Weights.Zip(weights, (a, b) => Math.Abs(a - b)).Max(), 0, Tolerance);
            Assert.InRange(Math.Abs(fit.Bias - doc.RootElement.GetProperty("bias").GetDouble()), 0, Tolerance);
            Assert.Contains(1, Selected(weights));
            Assert.Contains(9, Selected(weights));
        }
        finally
        {
            File.Delete(data);
        }
    }

    private static int[] Selected(IEnumerable<double> weights) => weights.Select((w, j) => (w, j)).Where(p => p.w != 0).Select(p => p.j).ToArray();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("NeuronGuard.sln not found above the test binaries.");
    }
}
