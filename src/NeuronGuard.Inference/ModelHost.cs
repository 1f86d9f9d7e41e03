using NeuronGuard.Inference.Kernels;
using NeuronGuard.Inference.Loading;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference;

/// <summary>
/// A loaded Hugging Face model folder, ready to run on the CPU: config, memory-mapped weights, tokenizer,
/// compute backend. Create an <see cref="InferenceSession"/> per generation; sessions share the weights.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly TensorStore _store;
    private readonly IComputeBackend _backend;

    private ModelHost(ModelConfig config, TensorStore store, IComputeBackend backend, TransformerModel model, Tokenizer tokenizer, ModelInfo info, int maxContext)
    {
        Config = config;
        _store = store;
        _backend = backend;
        Model = model;
        Tokenizer = tokenizer;
        Info = info;
        MaxContextTokens = maxContext;
    }

    public ModelInfo Info { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>The context limit sessions are created with (options, capped by the model's positions).</summary>
    public int MaxContextTokens { get; }

    /// <summary>Threads the backend runs on.</summary>
    public int Threads => _backend.Threads;

    internal ModelConfig Config { get; }

    /// <summary>The GEMM path prefill runs; null keeps the GEMV loops (the benchmark's before/after).</summary>
    internal GemmPath? GemmPath
    {
        get => ((CpuBackend)_backend).GemmPath;
        set => ((CpuBackend)_backend).GemmPath = value;
    }

    internal TransformerModel Model { get; }

    /// <summary>
    /// Loads <paramref name="dir"/> (config.json, model.safetensors or sharded with an index, tokenizer.json).
    /// Throws <see cref="ModelLoadException"/> naming the file, tensor or field that is wrong.
    /// </summary>
    public static ModelHost Load(string dir, ModelHostOptions? options = null)
    {
        options ??= new ModelHostOptions();
        if (!Directory.Exists(dir))
        {
            LoadErrors.Throw($"model folder '{dir}' does not exist.");
        }
        var config = ConfigReader.Read(dir);
        var tokenizer = Tokenizer.Load(Path.Combine(dir, "tokenizer.json"), config.EosTokenIds);
        if (tokenizer.VocabSize > config.Vocab)
        {
            LoadErrors.Throw($"tokenizer.json has {tokenizer.VocabSize} ids but config.json's vocab_size is {config.Vocab}; they belong to different models.");
        }
        int maxContext = Math.Min(options.MaxContextTokens, config.MaxPositions);
        var store = TensorStore.Open(dir);
        IComputeBackend? backend = null;
        try
        {
            backend = new CpuBackend(options.Threads);
            TransformerModel model = config.Family == ModelFamily.Gpt2
                ? new Gpt2Model(config, Gpt2Weights.Load(store, config), backend)
                : new LlamaModel(config, LlamaWeights.Load(store, config), backend, maxContext);
            var info = new ModelInfo
            {
                Architecture = config.Architecture,
                Layers = config.Layers,
                MlpNeurons = config.Intermediate,
                HiddenSize = config.Hidden,
                Heads = config.Heads,
                KvHeads = config.KvHeads,
                VocabSize = config.Vocab,
                MaxPositions = config.MaxPositions,
                Fingerprint = Fingerprint.Compute(config, store.Entries),
                LegacyFingerprint = Fingerprint.ComputeLegacy(config, store.Entries),
            };
            return new ModelHost(config, store, backend, model, tokenizer, info, maxContext);
        }
        catch
        {
            backend?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>A session with its own KV cache and buffers; <paramref name="maxContextTokens"/> defaults to <see cref="MaxContextTokens"/>.</summary>
    public InferenceSession CreateSession(int? maxContextTokens = null)
    {
        int n = Math.Min(maxContextTokens ?? MaxContextTokens, MaxContextTokens);
        return new InferenceSession(this, n);
    }

    public void Dispose()
    {
        _backend.Dispose();
        _store.Dispose();
    }
}
