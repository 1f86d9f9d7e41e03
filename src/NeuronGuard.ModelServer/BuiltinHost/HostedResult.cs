using NeuronGuard.Api.V1;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// One generated token as the host produced it. <paramref name="Verdict"/> is the latest verdict received for the
/// forward pass that chose this token (position <c>prompt tokens + Index − 1</c>); null when none arrived in time or
/// the request is unmonitored. <paramref name="AttenuatedNeurons"/> counts slots whose applied gain was not 1 in that
/// pass; <paramref name="ShadowAttenuatedNeurons"/> counts those a shadow-mode Attenuate would have changed.
/// </summary>
public sealed record HostedToken(int Index, int TokenId, string Text, Verdict? Verdict, int AttenuatedNeurons, int ShadowAttenuatedNeurons)
{
    public bool Flagged => Verdict?.Flagged == true;
}

/// <summary>The outcome of <see cref="TelemetryModelServer.GenerateAsync"/>.</summary>
public sealed record HostedResult
{
    public required string RequestId { get; init; }

    public required int PromptTokens { get; init; }

    public required IReadOnlyList<HostedToken> Tokens { get; init; }

    public required string Text { get; init; }

    /// <summary>"max_tokens", "stop_token", "context_full", "aborted" or "cancelled".</summary>
    public required string FinishReason { get; init; }

    /// <summary>The verdict the daemon sent after RequestEnd (null when it did not arrive or the request was unmonitored).</summary>
    public Verdict? FinalVerdict { get; init; }

    /// <summary>Verdict of the prompt's prefill frame (null when none arrived).</summary>
    public Verdict? PrefillVerdict { get; init; }

    /// <summary>Why the daemon aborted the request (mode abort); null otherwise.</summary>
    public string? AbortReason { get; init; }

    /// <summary>Per-request errors from the daemon (StreamError) and connection losses, in the order they happened.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    /// <summary>False when the request ran (partly) without a daemon: no slots, or the stream broke mid-request.</summary>
    public required bool Monitored { get; init; }

    /// <summary>True when an Attenuate or MaskAttention for the prefill arrived before the first token and the prompt was re-run with it.</summary>
    public required bool Reprefilled { get; init; }

    /// <summary>Prompt positions attention was masked to (MaskAttention), ascending; empty when none.</summary>
    public IReadOnlyList<int> MaskedPositions { get; init; } = [];

    /// <summary>Lockstep steps whose verdict did not arrive within the timeout.</summary>
    public required int VerdictTimeouts { get; init; }

    public int[] TokenIds => Tokens.Select(t => t.TokenId).ToArray();
}
