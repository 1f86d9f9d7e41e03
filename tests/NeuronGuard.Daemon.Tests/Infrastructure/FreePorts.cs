using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Daemon.Tests;

/// <summary>
/// The test kit's one free-port helper: a loopback port free right now, for a listener a child process (the CLI, a
/// peer, Prometheus) will open. In-process servers bind port 0 instead and read the real port back.
/// </summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
