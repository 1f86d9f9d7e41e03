using NeuronGuard.Engine;
using NeuronGuard.Inference;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Evaluation.TriggerScan;

/// <summary>One prompt's prefill as the model server captures it: its token ids and every MLP neuron of every layer, (tokens × layers·width).</summary>
public sealed record CapturedPrompt(int[] Tokens, float[] Values);

/// <summary>
/// Runs each prompt once, capturing every neuron at prefill, so that many neuron sets and detector settings are scored
/// from one model pass: a set's frame is a column selection of the capture (what a model server capturing that set
/// would have sent). No decode steps: the trigger scan reads the prefill only.
/// </summary>
public sealed class ScanCapture : IDisposable
{
    private readonly ModelHost _host;
    private readonly PromptRunner _runner;
    private readonly Dictionary<string, CapturedPrompt> _cache = new(StringComparer.Ordinal);

    public ScanCapture(ModelHost host)
    {
        _host = host;
        Width = host.Info.MlpNeurons;
        var all = new List<NeuronRef>();
        for (int l = 0; l < host.Info.Layers; l++)
        {
            for (int i = 0; i < Width; i++)
            {
                all.Add(new NeuronRef(l, i));
            }
        }
        Columns = all.Count;
        _runner = new PromptRunner(host, all) { DecodeSteps = 0 };
    }

    public ModelHost Host => _host;

    /// <summary>MLP neurons per layer.</summary>
    public int Width { get; }

    /// <summary>Captured values per position (layers × width).</summary>
    public int Columns { get; }

    public CapturedPrompt Get(string text)
    {
        if (!_cache.TryGetValue(text, out var p))
        {
            var tokens = PromptRunner.Tokens(_host, text, _host.MaxContextTokens);
            p = new CapturedPrompt(tokens, _runner.Run(text).Values());
            _cache[text] = p;
        }
        return p;
    }

    /// <summary>The prompt's values for <paramref name="neurons"/> only, (tokens × neurons) in that order.</summary>
    public float[] Project(CapturedPrompt prompt, IReadOnlyList<NeuronRef> neurons)
    {
        int steps = prompt.Values.Length / Columns;
        var values = new float[steps * neurons.Count];
        for (int t = 0; t < steps; t++)
        {
            for (int s = 0; s < neurons.Count; s++)
            {
                values[t * neurons.Count + s] = prompt.Values[t * Columns + neurons[s].Layer * Width + neurons[s].Index];
            }
        }
        return values;
    }

    public void Dispose() => _runner.Dispose();
}
