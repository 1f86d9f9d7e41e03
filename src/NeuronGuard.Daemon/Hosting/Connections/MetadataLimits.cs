using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>
/// Request metadata (HTTP/2 headers) limits. Kestrel advertises <c>MaxRequestHeadersTotalSize</c> (32 KiB) as
/// SETTINGS_MAX_HEADER_LIST_SIZE and answers a header list over it with HTTP 431 and RST_STREAM on that stream alone.
/// But one header field over <c>Http2.MaxRequestHeaderFieldSize</c> (16 KiB by default) fails HPACK decoding, a
/// connection error (GOAWAY COMPRESSION_ERROR) that killed every stream on the connection: a probe's 32 KiB token did
/// that to a healthy Telemetry stream. So a single field may be as large as <see cref="MaxFieldSize"/> and the total
/// limit refuses it on its own stream; only a field past 256 KiB still ends the connection (HPACK cannot skip it).
/// </summary>
public static class MetadataLimits
{
    /// <summary>Total request metadata: 32 KiB (Kestrel's default), advertised in SETTINGS_MAX_HEADER_LIST_SIZE.</summary>
    public const int MaxTotalSize = 32 * 1024;

    /// <summary>Largest single field the HPACK decoder accepts: 256 KiB, so fields between 32 and 256 KiB get a 431, not a GOAWAY.</summary>
    public const int MaxFieldSize = 256 * 1024;

    public static void Apply(KestrelServerLimits limits)
    {
        limits.MaxRequestHeadersTotalSize = MaxTotalSize;
        limits.Http2.MaxRequestHeaderFieldSize = MaxFieldSize;
    }
}
