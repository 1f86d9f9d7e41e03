using System.Diagnostics;
using System.Globalization;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Counts every gRPC call by service, method and the status the client got, with its duration
/// (<see cref="DaemonMetrics.GrpcCall"/>). It runs before authentication, so calls ended before their handler (auth,
/// a request that does not parse, the size limit) are counted with their real code. A call the client ended is
/// CANCELLED, or DEADLINE_EXCEEDED when its grpc-timeout had passed, whatever the server wrote into trailers nobody read.
/// Only routed gRPC methods are counted, so unknown paths cannot grow the label set.
/// </summary>
internal sealed class CallMetricsMiddleware(RequestDelegate next, DaemonMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var method = endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        // HTTP API routes answer HTTP statuses, not grpc-status: they are not gRPC calls to count here.
        if (method is null || endpoint!.Metadata.GetMetadata<Http.HttpApiEndpoint>() is not null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.GrpcCall(method.ServiceName, method.Name, Labels.Status(FinalStatus(context, elapsed)), elapsed.TotalSeconds);
        }
    }

    private static StatusCode FinalStatus(HttpContext context, TimeSpan elapsed)
    {
        var written = Written(context);
        if (written == StatusCode.DeadlineExceeded)
        {
            return StatusCode.DeadlineExceeded;
        }
        if (context.RequestAborted.IsCancellationRequested)
        {
            return TimeoutOf(context) is { } timeout && elapsed >= timeout ? StatusCode.DeadlineExceeded : StatusCode.Cancelled;
        }
        return written ?? StatusCode.Unknown;
    }

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    private static StatusCode? Written(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        string? value = trailers is not null && trailers.TryGetValue("grpc-status", out var t) ? t.ToString()
            : context.Response.Headers.TryGetValue("grpc-status", out var h) ? h.ToString() : null;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int code) ? (StatusCode)code : null;
    }

    /// <summary>The call's grpc-timeout ("100m", "5S", ...), or null.</summary>
    private static TimeSpan? TimeoutOf(HttpContext context)
    {
        var header = context.Request.Headers["grpc-timeout"].ToString();
        if (header.Length < 2 || !long.TryParse(header.AsSpan(0, header.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            return null;
        }
        return header[^1] switch
        {
            'H' => TimeSpan.FromHours(n),
            'M' => TimeSpan.FromMinutes(n),
            'S' => TimeSpan.FromSeconds(n),
            'm' => TimeSpan.FromMilliseconds(n),
            'u' => TimeSpan.FromMicroseconds(n),
            'n' => TimeSpan.FromTicks(n / 100),
            _ => null,
        };
    }
}
