namespace NeuronGuard.Grpc;

/// <summary>
/// Thrown by handlers to end a call with a non-OK status, and by the client when a call ends with one.
/// The detail is sent to the peer, so it must not carry secrets or stack traces.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, Metadata? trailers = null)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public RpcException(StatusCode code, string detail, Metadata? trailers = null)
        : this(new Status(code, detail), trailers)
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.StatusCode;

    public Metadata Trailers { get; }
}
