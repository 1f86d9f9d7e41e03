using System.Buffers;
using Google.Protobuf;

namespace NeuronGuard.Grpc;

/// <summary>
/// Turns messages into bytes and back. Serialisation writes straight into the transport's buffer
/// (<see cref="IBufferWriter{T}"/>) so the framing path copies nothing beyond the message itself.
/// </summary>
public sealed class Marshaller<T>
{
    public Marshaller(Func<T, int> getSize, Action<T, IBufferWriter<byte>> serialize, Func<ReadOnlySequence<byte>, T> deserialize)
    {
        GetSize = getSize;
        Serialize = serialize;
        Deserialize = deserialize;
    }

    public Func<T, int> GetSize { get; }

    public Action<T, IBufferWriter<byte>> Serialize { get; }

    public Func<ReadOnlySequence<byte>, T> Deserialize { get; }
}

/// <summary>Marshallers for Google.Protobuf messages.</summary>
public static class Marshallers
{
    public static Marshaller<T> Protobuf<T>() where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return new Marshaller<T>(
            static m => m.CalculateSize(),
            static (m, writer) => m.WriteTo(writer),
            parser.ParseFrom);
    }
}
