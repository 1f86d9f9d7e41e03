using System.Net;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>Parses "host:port" listener settings with an error that says how to fix them.</summary>
internal static class ListenAddress
{
    public static IPEndPoint Parse(string value, string setting)
    {
        if (IPEndPoint.TryParse(value, out var endpoint) && endpoint.Port is >= 0 and <= 65535 && value.Contains(':'))
        {
            return endpoint;
        }
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(value["localhost:".Length..], out var port) && port is >= 0 and <= 65535)
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }
        throw new DaemonConfigurationException(
            $"{setting} '{value}' is not a listen address: use IP:PORT, e.g. 127.0.0.1:50051, 0.0.0.0:50051 or [::1]:50051.");
    }
}

/// <summary>A setting is wrong; the message names it and the fix.</summary>
public sealed class DaemonConfigurationException(string message) : Exception(message);
