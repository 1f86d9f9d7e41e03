using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace NeuronGuard.Grpc.Internal.Server;

/// <summary>
/// One gRPC call on one HTTP/2 stream: request headers in, messages both ways, status out.
/// Owns the deadline timer and the call's cancellation.
/// </summary>
internal sealed class HttpServerCall : IDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenRegistration _abortRegistration;
    private Metadata? _requestHeaders;
    private bool _headersSent;
    private bool _writing;
    private string? _requestEncoding;
    private bool _deadlineExceeded;

    public HttpServerCall(HttpContext httpContext, string methodName, GrpcServerOptions options, ILogger logger)
    {
        HttpContext = httpContext;
        MethodName = methodName;
        _options = options;
        _logger = logger;
        _cts = new CancellationTokenSource();
        _abortRegistration = httpContext.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
        Context = new ServerCallContext(this);
    }

    public HttpContext HttpContext { get; }
    public string MethodName { get; }
    public ServerCallContext Context { get; }
    public CancellationToken CancellationToken => _cts.Token;
    public DateTime Deadline { get; private set; } = DateTime.MaxValue;
    public Metadata ResponseTrailers { get; } = new();
    public string? ResponseCompression { get; private set; }
    public bool LastRequestCompressed => RequestReaderCompressed?.Invoke() ?? false;
    public Func<bool>? RequestReaderCompressed { get; set; }
    public int MaxReceiveMessageSize => _options.MaxReceiveMessageSize ?? int.MaxValue;

    public string Peer
    {
        get
        {
            var c = HttpContext.Connection;
            return c.RemoteIpAddress is null ? "unknown"
                : $"{(c.RemoteIpAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4")}:{c.RemoteIpAddress}:{c.RemotePort}";
        }
    }

    public Metadata RequestHeaders => _requestHeaders ??= ReadRequestMetadata(HttpContext.Request.Headers);

    /// <summary>
    /// Validates the call's headers; on failure writes a Trailers-Only error and returns false.
    /// Also lifts Kestrel's per-request body size and data-rate limits, which would cut long streams.
    /// </summary>
    public bool TryStart()
    {
        var request = HttpContext.Request;
        if (HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }
        if (HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        if (HttpContext.Features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
        {
            responseRate.MinDataRate = null;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !MessageCompression.IsSupported(encoding))
        {
            HttpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = MessageCompression.AcceptEncoding;
            WriteTrailersOnly(new Status(StatusCode.Unimplemented,
                $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {MessageCompression.AcceptEncoding}"));
            return false;
        }
        _requestEncoding = encoding.Length == 0 ? null : encoding;

        var timeout = request.Headers[GrpcProtocol.TimeoutHeader];
        if (!StringValues.IsNullOrEmpty(timeout))
        {
            if (!GrpcTimeout.TryParse(timeout.ToString(), out var span))
            {
                WriteTrailersOnly(new Status(StatusCode.Internal,
                    $"Malformed grpc-timeout '{timeout}': expected 1 to 8 digits followed by a unit (H, M, S, m, u or n)."));
                return false;
            }
            Deadline = DateTime.UtcNow + span;
            if (span <= TimeSpan.Zero)
            {
                _deadlineExceeded = true;
                _cts.Cancel();
            }
            else
            {
                StartDeadlineTimer(span);
            }
        }
        if (_options.ResponseCompressionAlgorithm is { } algorithm)
        {
            SetResponseCompression(algorithm);
        }
        return true;
    }

    public FrameReader<T> CreateRequestReader<T>(Marshaller<T> marshaller)
    {
        var reader = new FrameReader<T>(HttpContext.Request.BodyReader, marshaller, MaxReceiveMessageSize, _requestEncoding, "request", CancellationToken);
        RequestReaderCompressed = () => reader.LastMessageCompressed;
        return reader;
    }

    public void SetResponseCompression(string? encoding)
    {
        if (_headersSent)
        {
            throw new InvalidOperationException("Response compression must be chosen before the response headers are sent.");
        }
        if (encoding is null || encoding == GrpcProtocol.Identity)
        {
            ResponseCompression = null;
            return;
        }
        if (encoding is not (MessageCompression.Gzip or MessageCompression.Deflate))
        {
            throw new ArgumentException($"Unsupported response compression '{encoding}': use gzip or deflate.");
        }
        // Only compress what the client said it can read.
        var accept = HttpContext.Request.Headers[GrpcProtocol.AcceptEncodingHeader].ToString();
        ResponseCompression = MessageCompression.PeerAccepts(accept, encoding) ? encoding : null;
    }

    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        if (_headersSent)
        {
            throw new InvalidOperationException("Response headers have already been sent.");
        }
        foreach (var entry in headers)
        {
            AppendHeader(HttpContext.Response.Headers, entry);
        }
        SendHeaders();
        await HttpContext.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    public Task WriteMessageAsync<T>(T message, Marshaller<T> marshaller, WriteOptions? writeOptions, CancellationToken cancellationToken)
    {
        if (_writing)
        {
            throw new InvalidOperationException("Only one write can be pending at a time.");
        }
        CancellationToken.ThrowIfCancellationRequested();
        SendHeaders();
        var compression = writeOptions is { Flags: var f } && f.HasFlag(WriteFlags.NoCompress) ? null : ResponseCompression;
        var writer = HttpContext.Response.BodyWriter;
        FrameWriter.Write(writer, message, marshaller, compression, _options.ResponseCompressionLevel, _options.MaxSendMessageSize, "response");
        if (writeOptions is { Flags: var hint } && hint.HasFlag(WriteFlags.BufferHint))
        {
            return Task.CompletedTask; // coalesced with the messages that follow into fewer DATA frames and flushes
        }
        var flush = writer.FlushAsync(cancellationToken.CanBeCanceled ? cancellationToken : CancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            return Task.CompletedTask;
        }
        return AwaitFlush(flush);
    }

    private async Task AwaitFlush(ValueTask<FlushResult> flush)
    {
        _writing = true;
        try
        {
            await flush.ConfigureAwait(false);
        }
        finally
        {
            _writing = false;
        }
    }

    /// <summary>The status the call ended with (CANCELLED when the client reset it), set by <see cref="CompleteAsync"/>.</summary>
    public StatusCode FinalStatusCode { get; private set; }

    /// <summary>Ends the call after the handler returned or threw.</summary>
    public Task CompleteAsync(Exception? error)
    {
        var status = error is null ? Context.Status : StatusFromException(error);
        FinalStatusCode = status.StatusCode;
        if (HttpContext.RequestAborted.IsCancellationRequested && !_deadlineExceeded)
        {
            FinalStatusCode = StatusCode.Cancelled;
            // The client reset the stream: nobody is listening for a status.
            GrpcServerLog.CallAbortedByClient(_logger, MethodName);
            return Task.CompletedTask;
        }
        if (!_headersSent)
        {
            WriteTrailersOnly(status);
            return Task.CompletedTask;
        }
        var response = HttpContext.Response;
        response.AppendTrailer(GrpcProtocol.StatusTrailer, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageTrailer, PercentEncoding.Encode(status.Detail));
        }
        foreach (var entry in ResponseTrailers)
        {
            response.AppendTrailer(entry.Key, entry.IsBinary ? Metadata.EncodeBinary(entry.ValueBytes!) : entry.Value!);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// An immediate error: status in the HEADERS frame that ends the stream (PROTOCOL-HTTP2.md "Trailers-Only").
    /// </summary>
    public void WriteTrailersOnly(Status status)
    {
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var headers = response.Headers;
        headers[GrpcProtocol.StatusTrailer] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocol.MessageTrailer] = PercentEncoding.Encode(status.Detail);
        }
        foreach (var entry in ResponseTrailers)
        {
            AppendHeader(headers, entry);
        }
        _headersSent = true;
    }

    private void SendHeaders()
    {
        if (_headersSent)
        {
            return;
        }
        _headersSent = true;
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = MessageCompression.AcceptEncoding;
        if (ResponseCompression is { } encoding)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = encoding;
        }
    }

    private Status StatusFromException(Exception error)
    {
        switch (error)
        {
            case RpcException rpc:
                foreach (var entry in rpc.Trailers)
                {
                    ResponseTrailers.Add(entry);
                }
                return rpc.Status;
            case OperationCanceledException when _deadlineExceeded:
                return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            case OperationCanceledException when _cts.IsCancellationRequested:
                return new Status(StatusCode.Cancelled, "Call cancelled");
            default:
                GrpcServerLog.HandlerFailed(_logger, MethodName, error);
                return new Status(StatusCode.Internal, _options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {error.GetType().Name}: {error.Message}"
                    : "Exception was thrown by handler.");
        }
    }

    private void StartDeadlineTimer(TimeSpan span)
    {
        // A Timer rather than CancelAfter so the callback can record why the token was cancelled.
        var timer = new Timer(static s =>
        {
            var call = (HttpServerCall)s!;
            call._deadlineExceeded = true;
            GrpcServerLog.DeadlineExceeded(call._logger, call.MethodName);
            try
            {
                call._cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }, this, span > TimeSpan.FromMilliseconds(uint.MaxValue - 1) ? Timeout.InfiniteTimeSpan : span, Timeout.InfiniteTimeSpan);
        _deadlineTimer = timer;
    }

    private Timer? _deadlineTimer;

    public void Dispose()
    {
        _deadlineTimer?.Dispose();
        _abortRegistration.Dispose();
        _cts.Dispose();
    }

    private static void AppendHeader(IHeaderDictionary headers, Metadata.Entry entry)
    {
        var value = entry.IsBinary ? Metadata.EncodeBinary(entry.ValueBytes!) : entry.Value!;
        headers.Append(entry.Key, value);
    }

    private static Metadata ReadRequestMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (GrpcProtocol.IsReservedHeader(key))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }
                if (Metadata.IsBinaryKey(key))
                {
                    // Several binary values may arrive comma-joined in one header field.
                    foreach (var part in value.Split(','))
                    {
                        metadata.Add(key, Metadata.DecodeBinary(part));
                    }
                }
                else
                {
                    metadata.Add(key, value);
                }
            }
        }
        return metadata;
    }
}
