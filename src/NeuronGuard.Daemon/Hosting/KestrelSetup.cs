using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>Kestrel settings for gRPC listeners (the daemon's and the standalone host's).</summary>
public static class KestrelSetup
{
    /// <summary>
    /// Listens for gRPC. Cleartext endpoints speak HTTP/2 only: <c>Http1AndHttp2</c> cannot accept prior-knowledge
    /// HTTP/2 without TLS, which is how gRPC clients connect to h2c. TLS endpoints negotiate HTTP/2 by ALPN.
    /// </summary>
    public static void ListenGrpc(this KestrelServerOptions kestrel, IPEndPoint endpoint, X509Certificate2? certificate = null,
        Action<HttpsConnectionAdapterOptions>? configureHttps = null, Action<ListenOptions>? configureListen = null)
    {
        kestrel.Listen(endpoint, listen =>
        {
            configureListen?.Invoke(listen); // connection middleware first: it sees raw TCP, before any TLS handshake
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
                return;
            }
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                configureHttps?.Invoke(https);
            });
        });
    }

    /// <summary>
    /// HTTP/2 settings that suit streaming telemetry: more concurrent streams (default 100) and larger flow-control
    /// windows; the request body size limit and minimum data rate are lifted because they would cut long streams.
    /// </summary>
    public static void ConfigureForGrpc(this KestrelServerOptions kestrel, int maxStreamsPerConnection = 1000)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.Http2.MaxStreamsPerConnection = maxStreamsPerConnection;
        // Larger windows let a fast model server keep several 16 KiB frames in flight without waiting for WINDOW_UPDATE.
        kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
        kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MaxRequestBodySize = null;
        Connections.MetadataLimits.Apply(kestrel.Limits); // over-limit metadata: 431 on its own stream, not GOAWAY
    }
}
