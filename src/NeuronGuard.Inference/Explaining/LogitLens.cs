using System.Numerics.Tensors;
using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Inference.Explaining;

/// <summary>
/// Logit lens on MLP neurons (nostalgebraist 2020; Geva et al. 2022, "Transformer Feed-Forward Layers Build Predictions
/// by Promoting Concepts in the Vocabulary Space"): neuron (l, i) adds <c>a · w</c> to the residual stream, where
/// <c>w</c> is its down-projection column, so its direct effect on the next-token logits is
/// <c>U · (g ∘ w)</c>, with <c>U</c> the unembedding (lm_head, or the tied token embedding) and <c>g</c> the final norm's
/// gain (GPT-2 <c>ln_f.weight</c>, Llama <c>model.norm.weight</c>). The gain is applied because it rescales every
/// residual dimension on its way to the head (the planted fixture's head reads its feature dimensions through a gain
/// of 5 and its content dimensions through 0.3); the norm's mean and 1/σ are left out: they depend on the whole
/// residual stream, not on the neuron, and 1/σ is one positive factor that does not change the ranking. The final
/// norm's bias is the same for every neuron, so it is left out too.
/// Loads only the four tensors it reads (no packing, no compute backend): F32 checkpoints are read from the mapping.
/// </summary>
public sealed unsafe class LogitLens : IDisposable
{
    /// <summary>Neurons whose logit rows are computed in one pass over the unembedding (each row is read once per block).</summary>
    private const int Block = 32;

    private readonly TensorStore _store;
    private readonly ModelConfig _config;
    private readonly Weight _unembed;
    private readonly Weight _gain;
    private readonly Func<int, Weight> _down;

    /// <summary>Down projections by layer, fetched once: a half-precision tensor is converted to F32 on each fetch.</summary>
    private readonly Dictionary<int, Weight> _downs = new();

    private LogitLens(ModelConfig config, TensorStore store, Tokenizer tokenizer, string fingerprint, string legacy)
    {
        _config = config;
        _store = store;
        Tokenizer = tokenizer;
        Fingerprint = fingerprint;
        LegacyFingerprint = legacy;
        long d = config.Hidden;
        long f = config.Intermediate;
        if (config.Family == ModelFamily.Gpt2)
        {
            string p = store.Contains("transformer.wte.weight") ? "transformer." : "";
            _unembed = store.Get(p + "wte.weight", config.Vocab, d); // GPT-2's head is always tied
            _gain = store.Get(p + "ln_f.weight", d);
            _down = l => store.Get($"{p}h.{l}.mlp.c_proj.weight", f, d); // Conv1D (in, out): neuron i's output is row i
        }
        else
        {
            bool tied = config.TiedHead || !store.Contains("lm_head.weight");
            _unembed = store.Get(tied ? "model.embed_tokens.weight" : "lm_head.weight", config.Vocab, d);
            _gain = store.Get("model.norm.weight", d);
            _down = l => store.Get($"model.layers.{l}.mlp.down_proj.weight", d, f); // nn.Linear (out, in): column i
        }
    }

    public Tokenizer Tokenizer { get; }

    /// <summary>The model's fingerprint (recipe 2, as <see cref="ModelInfo.Fingerprint"/>).</summary>
    public string Fingerprint { get; }

    /// <summary>Recipe 1, for catalogs made before recipe 2.</summary>
    public string LegacyFingerprint { get; }

    public int Layers => _config.Layers;

    public int NeuronsPerLayer => _config.Intermediate;

    public int VocabSize => _config.Vocab;

    /// <summary>What the explanation was computed with, stored beside it (NeuronExplanation.method).</summary>
    public string Method => $"logit-lens: U·({(_config.Family == ModelFamily.Gpt2 ? "ln_f" : "norm")}.weight ∘ w_out)";

    /// <summary>Opens <paramref name="dir"/>; throws <see cref="ModelLoadException"/> naming the missing or wrong file.</summary>
    public static LogitLens Open(string dir)
    {
        if (!Directory.Exists(dir))
        {
            LoadErrors.Throw($"model folder '{dir}' does not exist.");
        }
        var config = ConfigReader.Read(dir);
        var tokenizer = Tokenizer.Load(Path.Combine(dir, "tokenizer.json"), config.EosTokenIds);
        var store = TensorStore.Open(dir);
        try
        {
            return new LogitLens(config, store, tokenizer, Loading.Fingerprint.Compute(config, store.Entries), Loading.Fingerprint.ComputeLegacy(config, store.Entries));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> most promoted and most suppressed tokens of each neuron, in input order. Token ids the
    /// tokenizer never produces (a padded vocabulary) are skipped. <paramref name="progress"/> gets the number of
    /// neurons finished after each block.
    /// </summary>
    public NeuronTokens[] Explain(IReadOnlyList<(int Layer, int Index)> neurons, int k, Action<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        foreach (var (layer, index) in neurons)
        {
            if ((uint)layer >= (uint)Layers || (uint)index >= (uint)NeuronsPerLayer)
            {
                throw new ArgumentOutOfRangeException(nameof(neurons), $"neuron ({layer}, {index}) is outside the model's {Layers} layers × {NeuronsPerLayer} neurons.");
            }
        }
        var result = new NeuronTokens[neurons.Count];
        int vocab = VocabSize;
        int d = _config.Hidden;
        var directions = new float[Math.Min(Block, Math.Max(1, neurons.Count)) * d];
        var logits = new float[directions.Length / d * (long)vocab];
        var top = new int[k];
        var bottom = new int[k];
        for (int start = 0; start < neurons.Count; start += Block)
        {
            int b = Math.Min(Block, neurons.Count - start);
            for (int j = 0; j < b; j++)
            {
                Direction(neurons[start + j], directions.AsSpan(j * d, d));
            }
            Unembed(directions, b, logits);
            for (int j = 0; j < b; j++)
            {
                var row = logits.AsSpan(j * vocab, vocab);
                int n = TopTokens.Select(row, Tokenizer.IsKnown, top, bottom);
                var (layer, index) = neurons[start + j];
                result[start + j] = new NeuronTokens(layer, index, Scores(top.AsSpan(0, n), row), Scores(bottom.AsSpan(0, n), row));
            }
            progress?.Invoke(start + b);
        }
        return result;
    }

    /// <summary><c>g ∘ w</c> for one neuron: a row of GPT-2's c_proj, a strided column of Llama's down_proj.</summary>
    private void Direction((int Layer, int Index) neuron, Span<float> dst)
    {
        if (!_downs.TryGetValue(neuron.Layer, out var w))
        {
            _downs[neuron.Layer] = w = _down(neuron.Layer);
        }
        if (_config.Family == ModelFamily.Gpt2)
        {
            w.Row(neuron.Index).CopyTo(dst);
        }
        else
        {
            for (int r = 0; r < dst.Length; r++)
            {
                dst[r] = w.Data[(long)r * w.Cols + neuron.Index];
            }
        }
        TensorPrimitives.Multiply(dst, _gain.Row(0), dst);
    }

    /// <summary>logits[j, t] = U[t, :] · directions[j, :] for j &lt; b: vocab rows split across cores, each row read once.</summary>
    private void Unembed(float[] directions, int b, float[] logits)
    {
        int vocab = VocabSize;
        int d = _config.Hidden;
        var unembed = _unembed;
        const int Chunk = 1024;
        Parallel.For(0, (vocab + Chunk - 1) / Chunk, c =>
        {
            int end = Math.Min(vocab, (c + 1) * Chunk);
            for (int t = c * Chunk; t < end; t++)
            {
                var row = unembed.Row(t);
                for (int j = 0; j < b; j++)
                {
                    logits[(long)j * vocab + t] = TensorPrimitives.Dot(row, directions.AsSpan(j * d, d));
                }
            }
        });
    }

    private TokenScore[] Scores(ReadOnlySpan<int> ids, ReadOnlySpan<float> row)
    {
        var scores = new TokenScore[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            scores[i] = new TokenScore(ids[i], Text(ids[i]), row[ids[i]]);
        }
        return scores;
    }

    /// <summary>
    /// The token as text; a byte-level token that is only part of a UTF-8 character (it would decode to U+FFFD, and
    /// several such tokens would all read "�") is written as its bytes, e.g. <c>&lt;0xE2&gt;&lt;0x80&gt;</c>.
    /// </summary>
    internal string Text(int id)
    {
        string text = Tokenizer.Decode([id]);
        if (!text.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return text;
        }
        var sb = new System.Text.StringBuilder();
        foreach (char c in Tokenizer.TokenString(id))
        {
            if (Tokenization.ByteLevel.CharToByte.TryGetValue(c, out byte b))
            {
                sb.Append("<0x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)).Append('>');
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    public void Dispose() => _store.Dispose();
}
