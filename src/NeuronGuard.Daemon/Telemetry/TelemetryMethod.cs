using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Telemetry;

/// <summary>
/// <c>neuronguard.v1.Telemetry/Stream</c> with a request marshaller of our own. grpc-dotnet's generated marshaller
/// throws when a message does not decode, and the exception escapes the stream reader's MoveNext, which ends the whole
/// call: every request in flight on it would lose its verdicts for one bad message. This deserializer returns an
/// empty <see cref="ModelServerMessage"/> instead, whose <see cref="UndecodableMessage"/> is kept beside it (a weak
/// table, not a field: a field would grow every decoded frame), and the session answers that message with a
/// StreamError (docs/telemetry.md, "Errors"). A message that decodes costs exactly what the generated marshaller costs.
/// </summary>
internal static class TelemetryMethod
{
    private static readonly ConditionalWeakTable<ModelServerMessage, UndecodableMessage> Failures = new();

    public static readonly Method<ModelServerMessage, DaemonMessage> Stream = new(
        MethodType.DuplexStreaming,
        TelemetryService.Name,
        "Stream",
        Marshallers.Create<ModelServerMessage>(Serialize, Deserialize),
        Marshallers.Create<DaemonMessage>(Serialize, c => DaemonMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence())));

    private static ModelServerMessage Deserialize(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        try
        {
            return ModelServerMessage.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            var marker = new ModelServerMessage();
            Failures.Add(marker, Undecodable(payload.ToArray(), e.Message));
            return marker;
        }
    }

    /// <summary>Whether <paramref name="message"/> stands for bytes that did not decode, and what is known of them.</summary>
    public static bool IsUndecodable(ModelServerMessage message, [NotNullWhen(true)] out UndecodableMessage? failure)
    {
        failure = null;
        return message.KindCase == ModelServerMessage.KindOneofCase.None && Failures.TryGetValue(message, out failure);
    }

    private static void Serialize<T>(T message, SerializationContext context)
        where T : IBufferMessage
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }

    /// <summary>
    /// What can still be read from bytes that did not decode: which message the first field opens and, for a request
    /// message, its request id when that field alone decodes as UTF-8.
    /// </summary>
    internal static UndecodableMessage Undecodable(byte[] bytes, string problem)
    {
        string kind = "", requestId = "";
        try
        {
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                int field = WireFormat.GetTagFieldNumber(tag);
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited && field is >= 1 and <= 5)
                {
                    kind = KindName(field);
                    int length = input.ReadLength();
                    int start = (int)input.Position;
                    int available = Math.Clamp(bytes.Length - start, 0, Math.Max(length, 0));
                    if (field is >= 2 and <= 4)
                    {
                        requestId = RequestIdIn(bytes.AsSpan(start, available).ToArray());
                    }
                    break;
                }
                input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Nothing readable before the fault: the error goes out without a kind or request id.
        }
        return new UndecodableMessage(problem, kind, requestId);
    }

    /// <summary>Field 1 (request_id) of RequestStart, Activations and RequestEnd; "" when absent or itself undecodable.</summary>
    private static string RequestIdIn(byte[] inner)
    {
        try
        {
            var input = new CodedInputStream(inner);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
                {
                    return input.ReadString();
                }
                input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }
        return "";
    }

    private static string KindName(int field) => field switch
    {
        1 => "Hello",
        2 => "RequestStart",
        3 => "Activations",
        4 => "RequestEnd",
        _ => "PolicyAck",
    };
}

/// <summary>A well-framed Telemetry message that did not decode.</summary>
/// <param name="Problem">Why (Google.Protobuf's one-line reason).</param>
/// <param name="Kind">The message it was meant to be ("Activations"), as far as its first field says; "" when unknown.</param>
/// <param name="RequestId">The request id it carried, when that field itself decoded; "" otherwise.</param>
internal sealed record UndecodableMessage(string Problem, string Kind, string RequestId);
