using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NeuronGuard.Daemon.Hosting.Connections;

/// <summary>
/// Request metadata (HTTP/2 headers) limits. Kestrel advertises <c>MaxRequestHeadersTotalSize</c> (32 KiB) as
/// SETTINGS_MAX_HEADER_LIST_SIZE and answers a header list over it with HTTP 431 and RST_STREAM on that stream alone.
/// But one header field over <c>Http2.MaxRequestHeaderFieldSize</c> (16 KiB by default) fails HPACK decoding, a
/// connection error (GOAWAY COMPRESSION_ERROR) that killed every stream on the connection: a probe's 32 KiB token did
/// that to a healthy Telemetry stream. So a single field may be as large as <see cref="MaxFieldSize"/> and the total
/// limit refuses it on its own stream. Two cases still end the connection, and cannot be helped here: a header block
/// over twice the total (64 KiB) gets GOAWAY PROTOCOL_ERROR (Kestrel's defence against CONTINUATION floods), and a
/// single field over 256 KiB fails HPACK. Measured with raw frames: 60,000 bytes → 431, 66,000 → GOAWAY.
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
