namespace NeuronGuard.Api.V1;

/// <summary>
/// The daemon's Telemetry method decodes requests with a marshaller of its own that does not throw on a well-framed
/// message it cannot decode (invalid UTF-8, a wrong wire type, a truncated field): it returns an empty message marked
/// here instead, so the stream answers that one message with a StreamError and goes on (see docs/telemetry.md).
/// Internal: clients never see these members.
/// </summary>
public sealed partial class ModelServerMessage
{
    /// <summary>Why the message could not be decoded; null for every message that was.</summary>
    internal string? DecodeProblem { get; init; }

    /// <summary>Which message it was meant to be ("Activations"), as far as its first bytes say; "" when unknown.</summary>
    internal string DecodeKind { get; init; } = "";

    /// <summary>The request id it carried, when that field itself decoded; "" otherwise.</summary>
    internal string DecodeRequestId { get; init; } = "";
}
