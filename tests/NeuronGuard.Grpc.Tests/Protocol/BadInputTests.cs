using System.Net;
using System.Net.Http.Headers;
using NeuronGuard.Grpc.Client;
using NeuronGuard.Interop;
using NeuronGuard.Testing;

namespace NeuronGuard.Grpc.Tests.Protocol;

/// <summary>
/// Hand-written HTTP/2 requests with broken gRPC framing or headers. Each gets the right status and message,
/// and the same server keeps answering well-formed calls afterwards.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string EchoPath = "/neuronguard.testing.Probe/Echo";
    private GrpcServerHost _server = null!;
    private HttpMessageInvoker _http = null!;

    public async Task InitializeAsync()
    {
        _server = await InteropServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        _http = new HttpMessageInvoker(new SocketsHttpHandler());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Request_WrongContentType_Http415()
    {
        using var response = await SendAsync(EchoPath, [], contentType: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", Header(response, "grpc-status"));
        await AssertServerStillWorks();
    }

    [Fact]
    public async Task Request_TruncatedFrame_InternalWithClearMessage()
    {
        byte[] frame =
        [
            0x00,                   // Compressed-Flag: not compressed
            0x00, 0x00, 0x00, 0x0A, // Message-Length: 10 bytes promised
            0x0A, 0x01,             // ...but only 2 arrive before the stream ends
        ];
        using var response = await SendAsync(EchoPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("ended inside a message", message);
        await AssertServerStillWorks();
    }

    [Fact]
    public async Task Request_BadCompressedFlag_Internal()
    {
        byte[] frame =
        [
            0x07,                   // Compressed-Flag: 7 is not 0 or 1
            0x00, 0x00, 0x00, 0x00, // Message-Length: 0
        ];
        using var response = await SendAsync(EchoPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("Invalid compressed flag 7", message);
        await AssertServerStillWorks();
    }

    [Fact]
    public async Task Request_CompressedFlagWithoutEncoding_Internal()
    {
        byte[] frame =
        [
            0x01,                   // Compressed-Flag: compressed
            0x00, 0x00, 0x00, 0x01, // Message-Length: 1
            0xFF,                   // not gzip, and no grpc-encoding said it would be
        ];
        using var response = await SendAsync(EchoPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("no grpc-encoding", message);
    }

    [Fact]
    public async Task Request_UnknownEncoding_UnimplementedWithAcceptEncoding()
    {
        using var response = await SendAsync(EchoPath, Frame([]), headers: [("grpc-encoding", "snappy")]);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("12", status);
        Assert.Contains("snappy", message);
        Assert.Contains("gzip", Header(response, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task Request_OversizedLengthPrefix_ResourceExhaustedBeforeReadingBody()
    {
        byte[] frame =
        [
            0x00,                   // Compressed-Flag
            0x7F, 0xFF, 0xFF, 0xFF, // Message-Length: 2 GiB, far over the 4 MiB default
        ];
        using var response = await SendAsync(EchoPath, frame);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("8", status);
        Assert.Contains("larger than max", message);
        await AssertServerStillWorks();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("100")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    public async Task Request_MalformedTimeout_Internal(string timeout)
    {
        using var response = await SendAsync(EchoPath, Frame([]), headers: [("grpc-timeout", timeout)]);
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("Malformed grpc-timeout", message);
        await AssertServerStillWorks();
    }

    [Fact]
    public async Task Request_UnknownMethodAndService_TrailersOnlyUnimplemented()
    {
        using var method = await SendAsync("/neuronguard.testing.Probe/Nope", Frame([]));
        Assert.Equal("12", Header(method, "grpc-status"));
        Assert.Contains("Method is unimplemented", Uri.UnescapeDataString(Header(method, "grpc-message")!));
        using var service = await SendAsync("/no.such.Service/Call", Frame([]));
        Assert.Equal("12", Header(service, "grpc-status"));
        Assert.Contains("Service is unimplemented", Uri.UnescapeDataString(Header(service, "grpc-message")!));
    }

    [Fact]
    public async Task Request_GarbageProtobuf_InternalDeserializeError()
    {
        using var response = await SendAsync(EchoPath, Frame([0xFF, 0xFF, 0xFF]));
        var (status, message) = await ReadStatusAsync(response);
        Assert.Equal("13", status);
        Assert.Contains("Failed to deserialize", message);
    }

    [Fact]
    public async Task Request_FrameSplitAcrossDataFrames_Reassembled()
    {
        var payload = new ProbeRequest { Payload = Google.Protobuf.ByteString.CopyFromUtf8(new string('z', 100_000)) };
        var frame = Frame(Google.Protobuf.MessageExtensions.ToByteArray(payload));
        using var response = await SendAsync(EchoPath, frame, chunkSize: 7);
        var (status, _) = await ReadStatusAsync(response);
        Assert.Equal("0", status);
    }

    private async Task AssertServerStillWorks()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.Port}");
        var echo = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Echo");
        var reply = await channel.AsyncUnaryCall(echo, new ProbeRequest { Payload = Google.Protobuf.ByteString.CopyFromUtf8("ok") });
        Assert.Equal("ok", reply.Payload.ToStringUtf8());
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
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_server.Port}{path}")
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
