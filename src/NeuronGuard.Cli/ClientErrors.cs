using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;

namespace NeuronGuard.Cli;

/// <summary>
/// One plain line for every failed client call (ctl, generate, health, host): the address and the cause, never .NET
/// exception text (issue 24 item 4). Grpc.Net.Client reports a refused connection as UNAVAILABLE "Error connecting to
/// subchannel." with the SocketException only in <see cref="Status.DebugException"/>, and the metrics port's HTTP/1.1
/// answer as an HttpProtocolException (HTTP/2 error HTTP_1_1_REQUIRED): both are looked for down the exception chain.
/// Exit codes are in docs/ctl.md: 1 for these runtime errors, 2 for usage errors.
/// </summary>
internal static class ClientErrors
{
    /// <summary>Where the call went and what it called, so the cause can be named (the service, the method).</summary>
    /// <param name="Address">The address as the user gave it (or its default).</param>
    /// <param name="Service">The health service asked about, for NOT_FOUND; null otherwise.</param>
    /// <param name="Generate">The call was Inference.Generate, whose UNIMPLEMENTED means "no built-in model".</param>
    internal readonly record struct CallSite(string Address, string? Service = null, bool Generate = false);

    /// <summary>The line to print (without a command prefix) for <paramref name="error"/>, or null when it is not a call failure.</summary>
    public static string? Describe(Exception error, CallSite site)
    {
        if (Transport(error) is { } cause)
        {
            return $"cannot reach {site.Address}: {cause}";
        }
        if (error is not RpcException rpc)
        {
            return null;
        }
        string detail = rpc.Status.Detail;
        return rpc.StatusCode switch
        {
            StatusCode.Unimplemented when site.Generate =>
                $"{site.Address} does not serve generation: the daemon runs without a built-in model (--model none); send requests to your model server, or point --server at `neuronguard host --listen`",
            StatusCode.Unimplemented => $"{site.Address} does not implement this call ({detail}): is it a NeuronGuard daemon of this version?",
            StatusCode.NotFound when site.Service is not null => $"{site.Address}: unknown service {site.Service}",
            StatusCode.Unauthenticated => $"UNAUTHENTICATED: {OneLine(detail)} ({site.Address}; pass --token or set NEURONGUARD_TOKEN)",
            StatusCode.DeadlineExceeded => $"{site.Address}: no answer before the deadline (DEADLINE_EXCEEDED){(detail.Length > 0 && !detail.Contains("Deadline Exceeded", StringComparison.OrdinalIgnoreCase) ? $": {detail}" : "")}",
            StatusCode.Unavailable => $"UNAVAILABLE: {Shorten(detail)}",
            _ => $"{StatusName(rpc.StatusCode)}: {OneLine(detail)}",
        };
    }

    /// <summary>
    /// The transport cause of <paramref name="error"/> in a few words ("connection refused", "this port speaks HTTP/1.1:
    /// is it the metrics port?"), or null when the call reached a gRPC server.
    /// </summary>
    public static string? Transport(Exception error)
    {
        foreach (var e in Chain(error))
        {
            switch (e)
            {
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused (is the daemon running, and is this its gRPC port?)",
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "unknown host",
                        SocketError.TimedOut => "connection timed out",
                        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                        SocketError.ConnectionReset => "connection reset by the server",
                        _ => $"network error ({s.SocketErrorCode})",
                    };
                case HttpProtocolException p when p.ErrorCode == Http11Required || p.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal):
                    return "this port speaks HTTP/1.1: is it the metrics port? (gRPC is on the daemon's Listen address, default 127.0.0.1:50051)";
                case HttpRequestException h when h.HttpRequestError == HttpRequestError.SecureConnectionError:
                    return "TLS handshake failed (https:// to a cleartext port, or a certificate the client does not trust)";
                case HttpRequestException h when h.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal):
                    return "this port speaks HTTP/1.1: is it the metrics port? (gRPC is on the daemon's Listen address, default 127.0.0.1:50051)";
                // Kestrel answers an HTTP/2 preface on an HTTP/1.1-only port with GOAWAY (HTTP_1_1_REQUIRED) and closes; on
                // a loaded machine the close can reach the client before the GOAWAY is read, and the handshake just fails
                // (reproduced: 19 of 60 calls to the metrics port under two busy loops).
                case HttpRequestException h when h.Message.Contains("HTTP/2 handshake", StringComparison.Ordinal):
                    return "the server did not complete the HTTP/2 handshake: it does not speak gRPC here (an HTTP/1.1 port: is it the metrics port? gRPC is on the daemon's Listen address, default 127.0.0.1:50051)";
                case HttpRequestException h when h.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded:
                    return "the server does not speak gRPC (HTTP/2) on this port";
                case HttpRequestException h when h.HttpRequestError == HttpRequestError.NameResolutionError:
                    return "unknown host";
                // The same GOAWAY can surface as an HttpIOException or a protocol error of another type, depending on
                // when the client reads it; the code name in its message is what they share.
                case Exception x when x.Message.Contains("HTTP_1_1_REQUIRED", StringComparison.Ordinal):
                    return "this port speaks HTTP/1.1: is it the metrics port? (gRPC is on the daemon's Listen address, default 127.0.0.1:50051)";
                case HttpIOException io when io.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded:
                    return "the server does not speak gRPC (HTTP/2) on this port";
            }
        }
        return null;
    }

    /// <summary>"PERMISSION_DENIED" for <see cref="StatusCode.PermissionDenied"/>, as gRPC documents the codes.</summary>
    public static string StatusName(StatusCode code) => NeuronGuard.Daemon.Labels.Status(code);

    /// <summary>HTTP/2 error code 0xd: the server wants HTTP/1.1 (Kestrel's answer on an HTTP/1.1-only endpoint).</summary>
    private const long Http11Required = 0xd;

    private static IEnumerable<Exception> Chain(Exception error)
    {
        var seen = new HashSet<Exception>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Exception>();
        pending.Push(error);
        while (pending.Count > 0)
        {
            var e = pending.Pop();
            if (!seen.Add(e))
            {
                continue;
            }
            yield return e;
            if (e is AggregateException a)
            {
                foreach (var inner in a.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
            if (e is RpcException { Status.DebugException: { } debug })
            {
                pending.Push(debug);
            }
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>Detail longer than this is cut to its start and its outcome (the store's Redis client dump is ~1,000 characters); only UNAVAILABLE details are cut.</summary>
    internal const int MaxDetail = 240;

    /// <summary>
    /// <paramref name="detail"/> on one line, at most about <see cref="MaxDetail"/> characters: a long one keeps its
    /// beginning (what failed, the endpoint) and its outcome clause ("; the change was NOT applied"), if it has one.
    /// </summary>
    internal static string Shorten(string detail)
    {
        string line = detail.ReplaceLineEndings(" ").Trim();
        if (line.Length <= MaxDetail)
        {
            return line;
        }
        int tail = line.LastIndexOf("; the ", StringComparison.Ordinal);
        string outcome = tail > 0 && line.Length - tail < MaxDetail / 2 ? line[tail..] : "";
        return string.Concat(line.AsSpan(0, MaxDetail - outcome.Length - 1).TrimEnd(), "…", outcome);
    }
}
