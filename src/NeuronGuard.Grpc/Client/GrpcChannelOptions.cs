using System.IO.Compression;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace NeuronGuard.Grpc.Client;

/// <summary>Settings of a client channel.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, after decompression. Defaults to 4,194,304 (4 MiB); null for no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent. Defaults to null (no limit).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>Compression level for compressed requests. Defaults to <see cref="CompressionLevel.Fastest"/>.</summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>Custom handler (tests, proxies). Defaults to a <see cref="System.Net.Http.SocketsHttpHandler"/> made for HTTP/2.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Server certificate check for https addresses. Defaults to null: the platform's validation.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Client certificate for mutual TLS. Defaults to null.</summary>
    public X509Certificate2? ClientCertificate { get; set; }
}
