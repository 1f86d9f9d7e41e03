using Grpc.Core;

namespace NeuronGuard.Daemon;

/// <summary>The daemon's one way to make a status error: a code and a message that says how to fix the call.</summary>
internal static class RpcErrors
{
    public static RpcException Create(StatusCode code, string detail) => new(new Status(code, detail));
}
