using NeuronGuard.Inference.Generation;
using NeuronGuard.Inference.Hooks;
using NeuronGuard.Inference.Models;

namespace NeuronGuard.Inference;

/// <summary>
/// One sequence being run: its KV cache, its activation buffers (allocated once) and its hooks.
/// Not thread-safe: one thread drives it, though hooks such as <see cref="NeuronGainsHook"/> may be
/// updated from others. Spans returned by <see cref="Prefill"/> and <see cref="Step"/> stay valid until the next call.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly ModelHost _host;
    private readonly RunState _state;
    private readonly KvCache _kv;
    private readonly HookList _hooks = new();
    private readonly int[] _one = new int[1];

    internal InferenceSession(ModelHost host, int maxContext)
    {
        _host = host;
        _state = new RunState(host.Config, maxContext);
        _kv = new KvCache(host.Config, maxContext);
        MaxContextTokens = maxContext;
    }

    /// <summary>Tokens in the cache; the next token goes to this position.</summary>
    public int Position { get; private set; }

    public int MaxContextTokens { get; }

    public ModelHost Host => _host;

    /// <summary>Registers a hook for every later forward call; dispose the result to remove it.</summary>
    public IDisposable Register(IMlpHook hook) => _hooks.Add(hook);

    /// <summary>Forgets the cached sequence and its attention mask; buffers are kept.</summary>
    public void Reset()
    {
        Position = 0;
        _kv.MaskedKeys = [];
    }

    /// <summary>
    /// Moves the next position back to <paramref name="position"/>, keeping the cached keys and values before it: the
    /// tokens from there on are forgotten. Lets a caller prefill a prompt once and run many continuations after it.
    /// </summary>
    public void Rewind(int position)
    {
        if (position < 0 || position > Position)
        {
            throw new ArgumentOutOfRangeException(nameof(position), $"can rewind to 0..{Position} (the cached tokens); got {position}.");
        }
        Position = position;
    }

    /// <summary>
    /// Masks attention to <paramref name="positions"/> for every later forward pass until <see cref="Reset"/>: no query
    /// after a masked position attends to it, in any layer (the mask-attention mitigation). Passes already run keep what
    /// they computed; re-run the prompt after <see cref="Reset"/> and this call to mask it from the start.
    /// </summary>
    public void MaskAttention(IEnumerable<int> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var sorted = positions.Concat(_kv.MaskedKeys).Distinct().Order().ToArray();
        if (sorted.Length > 0 && (sorted[0] < 0 || sorted[^1] >= MaxContextTokens))
        {
            throw new ArgumentOutOfRangeException(nameof(positions), $"masked positions must be in 0..{MaxContextTokens - 1}; got {sorted[0]}..{sorted[^1]}.");
        }
        _kv.MaskedKeys = sorted;
    }

    /// <summary>The masked key positions, ascending.</summary>
    public IReadOnlyList<int> MaskedPositions => _kv.MaskedKeys;

    /// <summary>Runs all of <paramref name="tokens"/> in one pass and returns the logits (vocab) of the last.</summary>
    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens)
    {
        _host.Model.Forward(tokens, Position, _state, _kv, _hooks.Current, allLogits: false);
        Position += tokens.Length;
        return _state.LastLogits.Span[.._host.Config.Vocab];
    }

    /// <summary>Runs all of <paramref name="tokens"/> in one pass and returns every token's logits (tokens, vocab).</summary>
    public ReadOnlySpan<float> PrefillAllLogits(ReadOnlySpan<int> tokens)
    {
        _host.Model.Forward(tokens, Position, _state, _kv, _hooks.Current, allLogits: true);
        Position += tokens.Length;
        return _state.AllLogits!.Span[..(tokens.Length * _host.Config.Vocab)];
    }

    /// <summary>Runs one token against the cache (a decode step) and returns its logits (vocab).</summary>
    public ReadOnlySpan<float> Step(int token)
    {
        _one[0] = token;
        return Prefill(_one);
    }

    /// <summary>Encodes <paramref name="prompt"/> (plain, no chat template) and generates from position 0.</summary>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, Action<GenerationStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        options ??= new GenerationOptions();
        return Generate(_host.Tokenizer.Encode(prompt, options.AddBos), options, onStep, cancellationToken);
    }

    /// <summary>
    /// Resets the session, prefills the prompt in one pass, then decodes until a stop token, MaxNewTokens or
    /// the context limit. <paramref name="onStep"/> runs after each token is chosen and before the next step,
    /// so gains changed there apply from the next step. Cancellation is checked between steps.
    /// </summary>
    public GenerationResult Generate(int[] promptTokens, GenerationOptions options, Action<GenerationStep>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        if (promptTokens.Length == 0)
        {
            throw new ArgumentException("the prompt encodes to no tokens; give at least one character.", nameof(promptTokens));
        }
        cancellationToken.ThrowIfCancellationRequested();
        Reset();
        var stop = options.StopTokens ?? _host.Tokenizer.EosIds;
        var sampler = new Sampler(_host.Config.Vocab, options);
        var output = new List<int>();
        var reason = StopReason.MaxNewTokens;
        var logits = Prefill(promptTokens);
        for (int i = 0; i < options.MaxNewTokens; i++)
        {
            int token = sampler.Next(logits);
            if (stop.Contains(token))
            {
                reason = StopReason.StopToken;
                break;
            }
            output.Add(token);
            onStep?.Invoke(new GenerationStep(i, Position, token));
            if (i + 1 == options.MaxNewTokens)
            {
                break;
            }
            if (Position >= MaxContextTokens)
            {
                reason = StopReason.ContextFull;
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            logits = Step(token);
        }
        return new GenerationResult(promptTokens, [.. output], _host.Tokenizer.Decode(output.ToArray(), skipSpecial: true), reason);
    }

    /// <summary>
    /// exp(mean negative log-likelihood) of each token of <paramref name="text"/> given the ones before it
    /// (BOS prepended when the tokenizer has one). Resets the session. Used to measure what mitigation costs.
    /// </summary>
    public double Perplexity(string text)
    {
        var ids = _host.Tokenizer.Encode(text, addBos: true);
        if (ids.Length < 2)
        {
            throw new ArgumentException("perplexity needs a text of at least two tokens.", nameof(text));
        }
        Reset();
        var all = PrefillAllLogits(ids);
        return Math.Exp(Loss.MeanNegativeLogLikelihood(all, ids, _host.Config.Vocab));
    }

    /// <summary>
    /// Perplexity of <paramref name="continuation"/> only, given <paramref name="context"/> before it: what a mitigation
    /// costs on text the model goes on to write, as AurA reports it. Resets the session.
    /// </summary>
    public double Perplexity(string context, string continuation)
    {
        var ids = _host.Tokenizer.Encode(context + continuation, addBos: true);
        int contextLength = _host.Tokenizer.Encode(context, addBos: true).Length;
        if (contextLength < 1 || ids.Length <= contextLength)
        {
            throw new ArgumentException("the continuation adds no token to the context.", nameof(continuation));
        }
        Reset();
        var all = PrefillAllLogits(ids);
        int vocab = _host.Config.Vocab;
        // Rows contextLength−1 … end predict exactly the continuation's tokens.
        return Math.Exp(Loss.MeanNegativeLogLikelihood(all[((contextLength - 1) * vocab)..], ids.AsSpan(contextLength - 1), vocab));
    }

    public void Dispose()
    {
        // Buffers are managed; nothing native to release. IDisposable so a GPU backend's sessions can free device memory.
    }
}
