using Grpc.Core;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>Who made a call, for attributing changes in the audit log.</summary>
internal static class Callers
{
    public static string Of(ServerCallContext context) => Auth.Authenticator.Caller(context);
}
