using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Monitoring;

namespace NeuronGuard.Daemon.Http;

/// <summary>
/// <c>GET /v1/verdicts/stream</c>: live verdicts as server-sent events, the HTTP face of Control.WatchVerdicts.
/// Each verdict is <c>event: verdict</c> with one WatchedVerdict as JSON on its <c>data:</c> line (the JSON transcoding
/// writes for the same message); a comment line goes out every Http:HeartbeatSeconds, so an idle stream shows alive. A client that reads too
/// slowly loses verdicts, counted in the next one's <c>dropped</c> as on gRPC. The first bytes (a comment) go out at
/// once, so a fetch() resolves with its headers before any verdict; the token travels in the Authorization header,
/// since the console reads the stream with fetch() and a ReadableStream (EventSource cannot send headers).
/// </summary>
internal static class VerdictStream
{
    public const string Route = "/v1/verdicts/stream";

    public static async Task HandleAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (Parse(query, out var filter) is { } problem)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, problem).ConfigureAwait(false);
            return;
        }
        var services = context.RequestServices;
        var feed = services.GetRequiredService<DaemonContext>().Feed;
        var heartbeat = TimeSpan.FromSeconds(services.GetRequiredService<DaemonOptions>().Http.HeartbeatSeconds);
        // Shutdown ends the stream at once instead of holding the host for its whole shutdown timeout.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // reverse proxies (nginx) would otherwise hold events back
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var watcher = feed.Subscribe(filter);
        try
        {
            await response.WriteAsync(": neuronguard verdicts\n\n", stop.Token).ConfigureAwait(false);
            await response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            await PumpAsync(response, watcher, heartbeat, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client went away, or the daemon is stopping.
        }
        finally
        {
            feed.Unsubscribe(watcher);
        }
    }

    private static async Task PumpAsync(HttpResponse response, VerdictFeed.Watcher watcher, TimeSpan heartbeat, CancellationToken cancel)
    {
        var reader = watcher.Queue.Reader;
        Task<bool>? waiting = null;
        Task? beat = null; // one timer per interval, not one per wake-up: a busy stream would pile them up
        while (true)
        {
            waiting ??= reader.WaitToReadAsync(cancel).AsTask();
            beat ??= Task.Delay(heartbeat, cancel);
            if (await Task.WhenAny(waiting, beat).ConfigureAwait(false) == beat)
            {
                beat = null;
                cancel.ThrowIfCancellationRequested();
                await response.WriteAsync(": heartbeat\n\n", cancel).ConfigureAwait(false);
                await response.Body.FlushAsync(cancel).ConfigureAwait(false);
                continue;
            }
            if (!await waiting.ConfigureAwait(false))
            {
                return;
            }
            waiting = null;
            while (reader.TryRead(out var item))
            {
                item.Dropped = watcher.TakeDropped();
                await response.WriteAsync(Event(item), cancel).ConfigureAwait(false);
            }
            await response.Body.FlushAsync(cancel).ConfigureAwait(false);
        }
    }

    /// <summary>One SSE event; the JSON has no line breaks, so it is one data line.</summary>
    internal static string Event(WatchedVerdict verdict) => $"event: verdict\ndata: {HttpJson.Format(verdict)}\n\n";

    /// <summary>The query's filter, or a message saying what is wrong with it.</summary>
    internal static string? Parse(IQueryCollection query, out VerdictFilter filter)
    {
        filter = new VerdictFilter(false, "");
        bool flaggedOnly = false;
        string flagged = query["flaggedOnly"].ToString();
        if (flagged.Length > 0 && !bool.TryParse(flagged, out flaggedOnly))
        {
            return $"flaggedOnly '{flagged}' is not true or false";
        }
        var detector = Detector.Unspecified;
        string name = query["detector"].ToString();
        if (name.Length > 0)
        {
            if (ParseDetector(name) is not { } parsed)
            {
                return $"detector '{name}' is not a detector: use one of {string.Join(", ", DetectorNames())}";
            }
            detector = parsed;
        }
        filter = new VerdictFilter(flaggedOnly, query["tenant"].ToString(), detector, query["model"].ToString());
        return null;
    }

    /// <summary>"DETECTOR_TOXICITY" (the JSON name) or "toxicity", in any case.</summary>
    private static Detector? ParseDetector(string name)
    {
        var values = DetectorDescriptor.Values;
        var value = values.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(v.Name, "DETECTOR_" + name, StringComparison.OrdinalIgnoreCase));
        return value is null || value.Number == 0 ? null : (Detector)value.Number;
    }

    private static IEnumerable<string> DetectorNames() => DetectorDescriptor.Values.Where(v => v.Number != 0).Select(v => v.Name);

    private static EnumDescriptor DetectorDescriptor => CommonReflection.Descriptor.FindTypeByName<EnumDescriptor>("Detector");
}
