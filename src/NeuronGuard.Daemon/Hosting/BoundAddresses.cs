using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>The addresses Kestrel bound (real ports when the settings asked for port 0), as clients connect to them.</summary>
public static class BoundAddresses
{
    /// <summary>The gRPC listener's address; known once the server has started (addresses come in Listen order, gRPC first).</summary>
    public static Uri Grpc(IServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        return Connectable(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the server has not bound its listeners yet."));
    }

    /// <summary>0.0.0.0 and [::] accept connections but are no address to connect to: clients use loopback.</summary>
    public static Uri Connectable(string bound)
    {
        ArgumentNullException.ThrowIfNull(bound);
        return new(bound.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }
}
