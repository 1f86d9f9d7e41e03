using System.Net;
using System.Net.Sockets;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Checks that the gRPC and metrics ports are free before the daemon does anything slow, so a second
/// <c>serve</c> on a busy port says so at once instead of after the fixture calibration. Kestrel still binds for real
/// afterwards; this only moves the common mistake to the front.
/// </summary>
public static class ListenProbe
{
    public static void EnsureFree(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var grpc = ListenAddress.Parse(options.Listen, "Listen");
        if (Busy(grpc) is { } why)
        {
            throw new DaemonConfigurationException($"cannot listen for gRPC on {options.Listen} (setting Listen, --listen): {why}. Choose another port.");
        }
        if (!string.IsNullOrEmpty(options.Metrics.Listen))
        {
            var metrics = ListenAddress.Parse(options.Metrics.Listen, "Metrics:Listen");
            if (Busy(metrics) is { } busy)
            {
                throw new DaemonConfigurationException(MetricsBusy(options.Metrics.Listen, busy));
            }
        }
    }

    /// <summary>The one line for a metrics port that cannot be bound: names the metrics listener, not --listen.</summary>
    public static string MetricsBusy(string address, string why) =>
        $"cannot listen for Prometheus metrics on {address} (setting Metrics:Listen, --metrics-listen): {why}. Choose another port, or \"\" to disable metrics.";

    private static string? Busy(IPEndPoint endpoint)
    {
        if (endpoint.Port == 0)
        {
            return null; // an ephemeral port is always free
        }
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (!OperatingSystem.IsWindows())
            {
                // As Kestrel does: a port whose last connections linger in TIME_WAIT is free; a live listener is not.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            socket.Bind(endpoint);
            socket.Listen(1);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable)
        {
            return e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "the port is already in use (is another neuronguard running?)",
                SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
                _ => "no such local address",
            };
        }
    }
}
