using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>gRPC answers written by middleware, before a handler runs (refused calls).</summary>
internal static class GrpcResponses
{
    /// <summary>
    /// A trailers-only response: HTTP 200 with grpc-status and grpc-message in the headers and no body. The request body
    /// is never read; Kestrel resets the stream's unread remainder.
    /// </summary>
    public static void WriteStatus(HttpContext context, StatusCode code, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    /// <summary>grpc-message encoding: UTF-8, bytes outside printable ASCII and '%' as %XX.</summary>
    internal static string PercentEncode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }
}

/// <summary>The client's address as grpc-dotnet's <see cref="ServerCallContext.Peer"/> spells it ("ipv4:10.0.0.7:53412").</summary>
internal static class GrpcPeer
{
    public static string Of(HttpContext context)
    {
        var connection = context.Connection;
        if (connection.RemoteIpAddress is not { } ip)
        {
            return "unknown";
        }
        return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"ipv6:[{ip}]:{connection.RemotePort}"
            : $"ipv4:{ip}:{connection.RemotePort}";
    }
}
