using NeuronGuard.Engine;
using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Running;

/// <summary>
/// Runs prompts through the built-in host the way a monitored model server would: prefill the prompt in one
/// pass, then a few greedy decode steps, capturing the plan's slots at every step. An optional gains hook runs
/// before the capture (so captured values are post-gain: that is how a pruned model looks to the monitor).
/// </summary>
public sealed class PromptRunner : IDisposable
{
    private readonly ModelHost _host;
    private readonly InferenceSession _session;
    private readonly NeuronGainsHook? _gains;
    private readonly IDisposable? _gainsRegistration;
    private readonly IDisposable? _editRegistration;
    private readonly IDisposable _captureRegistration;
    private CapturedRequest? _current;

    /// <param name="edit">Another weight edit simulated before the capture (e.g. <see cref="NeuronShiftHook"/>).</param>
    public PromptRunner(ModelHost host, IReadOnlyList<NeuronRef> slots, NeuronGains? gains = null, IMlpHook? edit = null)
    {
        _host = host;
        _session = host.CreateSession();
        if (gains is not null)
        {
            _gains = new NeuronGainsHook(gains);
            _gainsRegistration = _session.Register(_gains);
        }
        if (edit is not null)
        {
            _editRegistration = _session.Register(edit);
        }
        var selection = new NeuronSelection(slots.Select(s => new NeuronId(s.Layer, s.Index)));
        _captureRegistration = _session.Register(new NeuronCapture(selection, OnCaptured));
        Slots = slots.Count;
    }

    public int Slots { get; }

    /// <summary>Greedy decode steps after the prompt. Defaults to 4.</summary>
    public int DecodeSteps { get; init; } = 4;

    public CapturedRequest Run(string prompt)
    {
        var tokens = Tokens(_host, prompt, _session.MaxContextTokens - DecodeSteps);
        var request = new CapturedRequest(Slots);
        _current = request;
        try
        {
            _session.Reset();
            var logits = _session.Prefill(tokens);
            for (int i = 0; i < DecodeSteps && _session.Position < _session.MaxContextTokens; i++)
            {
                logits = _session.Step(ArgMax(logits));
            }
        }
        finally
        {
            _current = null;
        }
        return request;
    }

    /// <summary>The prompt's ids (BOS when the tokenizer has one), cut to <paramref name="max"/> tokens.</summary>
    internal static int[] Tokens(ModelHost host, string text, int max)
    {
        var ids = host.Tokenizer.Encode(text, addBos: true);
        if (ids.Length == 0)
        {
            throw new ArgumentException("a text encodes to no tokens; remove empty lines from the dataset.", nameof(text));
        }
        return ids.Length > max ? ids[..max] : ids;
    }

    public void Dispose()
    {
        _captureRegistration.Dispose();
        _gainsRegistration?.Dispose();
        _editRegistration?.Dispose();
        _session.Dispose();
    }

    private void OnCaptured(int firstPosition, int steps, ReadOnlySpan<float> values) =>
        _current?.Add(firstPosition, steps, values);

    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }
}
