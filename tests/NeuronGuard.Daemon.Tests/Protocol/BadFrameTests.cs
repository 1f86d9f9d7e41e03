using System.Net;
using System.Net.Http.Headers;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Infrastructure;

namespace NeuronGuard.Daemon.Tests.Protocol;

/// <summary>
/// Hand-written HTTP/2 requests with broken gRPC framing or headers sent to the daemon. Each gets a precise status
/// from grpc-dotnet (pinned here; the README lists where it differs from the first wave's own transport), and the
/// daemon keeps answering well-formed calls afterwards.
/// </summary>
public sealed class BadFrameTests(BadFrameTests.Fixture fixture) : IClassFixture<BadFrameTests.Fixture>, IDisposable
{
    private const string GetPolicyPath = "/neuronguard.v1.Control/GetPolicy";
    private readonly DaemonHost _daemon = fixture.Daemon;
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler());

    /// <summary>One daemon for the class: each test sends its own bad request and checks the daemon still serves.</summary>
    public sealed class Fixture : SharedDaemon
    {
        protected override Task<DaemonHost> StartAsync(string dataDir) => DaemonHost.StartAsync(new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, Model = "none", LogLevel = "Warning", Metrics = new MetricsOptions { Listen = "" },
        });
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Request_WrongContentType_Http415()
    {
        using var response = await SendAsync(GetPolicyPath, Frame([]), contentType: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", Header(response, "grpc-status"));
        Assert.Contains("application/json", Uri.UnescapeDataString(Header(response, "grpc-message") ?? ""));
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_TruncatedFrame_InternalIncompleteMessage()
    {
        byte[] frame =
        [
            0x00,                   // Compressed-Flag: not compressed
            0x00, 0x00, 0x00, 0x0A, // Message-Length: 10 bytes promised
            0x0A, 0x01,             // ...but only 2 arrive before the stream ends
        ];
        using var response = await SendAsync(GetPolicyPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("Incomplete message", message);
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_BadCompressedFlag_Unknown()
    {
        byte[] frame =
        [
            0x07,                   // Compressed-Flag: 7 is not 0 or 1
            0x00, 0x00, 0x00, 0x00, // Message-Length: 0
        ];
        using var response = await SendAsync(GetPolicyPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        // grpc-dotnet reads the flag inside the call, so its InvalidDataException ends the call like a handler's (UNKNOWN).
        Assert.Equal("2", status);
        Assert.Contains("Exception was thrown by handler", message);
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_OversizedLengthPrefix_ResourceExhaustedBeforeReadingBody()
    {
        byte[] frame =
        [
            0x00,                   // Compressed-Flag
            0x7F, 0xFF, 0xFF, 0xFF, // Message-Length: 2 GiB, far over MaxReceiveMessageSize (4 MiB)
        ];
        using var response = await SendAsync(GetPolicyPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("8", status);
        Assert.Contains("exceeds the maximum configured message size", message);
        await AssertDaemonStillServes();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("100")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    public async Task Request_MalformedTimeout_IgnoredAndAnswered(string timeout)
    {
        // grpc-dotnet logs a malformed grpc-timeout and runs the call without a deadline (the first wave said INTERNAL).
        using var response = await SendAsync(GetPolicyPath, Frame([]), headers: [("grpc-timeout", timeout)]);
        var (status, _) = await ReadStatusAsync(response);
        Assert.Equal("0", status);
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_UnknownMethodAndService_Unimplemented()
    {
        using var method = await SendAsync("/neuronguard.v1.Control/Nope", Frame([]));
        var (methodStatus, methodMessage) = await ReadStatusAsync(method);
        Assert.Equal("12", methodStatus);
        Assert.Contains("Method is unimplemented", methodMessage);
        using var service = await SendAsync("/no.such.Service/Call", Frame([]));
        var (serviceStatus, serviceMessage) = await ReadStatusAsync(service);
        Assert.Equal("12", serviceStatus);
        Assert.Contains("Service is unimplemented", serviceMessage);
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_GarbageProtobuf_Internal()
    {
        using var response = await SendAsync(GetPolicyPath, Frame([0xFF, 0xFF, 0xFF]));
        var (status, message) = await ReadStatusAsync(response);
        // gRPC's status table: a request that does not parse is INTERNAL (not UNKNOWN), with a short message saying so.
        Assert.Equal("13", status);
        Assert.Contains("not a valid GetPolicyRequest", Uri.UnescapeDataString(message));
        await AssertDaemonStillServes();
    }

    [Fact]
    public async Task Request_FrameSplitAcrossDataFrames_Reassembled()
    {
        var request = new GetAuditRequest { Limit = 5 };
        var frame = Frame(Google.Protobuf.MessageExtensions.ToByteArray(request));
        using var response = await SendAsync("/neuronguard.v1.Control/GetAudit", frame, chunkSize: 1);
        var (status, _) = await ReadStatusAsync(response);
        Assert.Equal("0", status);
    }

    private async Task AssertDaemonStillServes()
    {
        using var channel = GrpcChannel.ForAddress(_daemon.Address);
        var reply = await channel.AsyncUnaryCall(ControlMethods.GetPolicy, new GetPolicyRequest());
        Assert.NotNull(reply.Policy);
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, string contentType = "application/grpc",
        (string Key, string Value)[]? headers = null, int chunkSize = 0)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_daemon.Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = chunkSize > 0 ? new ChunkedContent(body, chunkSize) : new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        foreach (var (key, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }
        return await _http.SendAsync(request, CancellationToken.None);
    }

    /// <summary>The grpc-status and decoded grpc-message, from the headers (Trailers-Only) or the trailers.</summary>
    private static async Task<(string? Status, string Message)> ReadStatusAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();
        var status = Header(response, "grpc-status") ?? (response.TrailingHeaders.TryGetValues("grpc-status", out var s) ? s.First() : null);
        var message = Header(response, "grpc-message") ?? (response.TrailingHeaders.TryGetValues("grpc-message", out var m) ? m.First() : "");
        return (status, Uri.UnescapeDataString(message));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    /// <summary>Writes the body in small pieces with a flush after each, so DATA frames split the gRPC frame.</summary>
    private sealed class ChunkedContent(byte[] body, int chunkSize) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < body.Length; i += chunkSize)
            {
                await stream.WriteAsync(body.AsMemory(i, Math.Min(chunkSize, body.Length - i)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
