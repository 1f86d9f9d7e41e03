using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using NeuronGuard.Grpc.Client;

namespace NeuronGuard.Grpc.Internal.Client;

/// <summary>
/// One client call: sends the HTTP/2 request, reads headers, messages and trailers, and turns every
/// failure (HTTP, transport, deadline, cancellation, grpc-status) into an <see cref="RpcException"/>.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCall
{
    private const string UserAgent = "neuronguard-grpc-dotnet/1.0";

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenRegistration _userRegistration;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PushStreamContent _content = new();
    private Task<HttpResponseMessage>? _send;
    private HttpResponseMessage? _response;
    private Status? _status;
    private Metadata? _trailers;
    private volatile bool _deadlineExceeded;
    private bool _disposed;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _cts = new CancellationTokenSource();
        _userRegistration = options.CancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
        if (options.Compression is { } c && !(c is MessageCompression.Gzip or MessageCompression.Deflate))
        {
            throw new ArgumentException($"Unsupported request compression '{c}': use gzip or deflate.");
        }
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public Task<TResponse> StartUnary(TRequest request)
    {
        var writer = Start();
        _ = SendSingle(writer, request);
        return ReadUnaryResponseAsync();
    }

    public IAsyncStreamReader<TResponse> StartServerStreaming(TRequest request)
    {
        var writer = Start();
        _ = SendSingle(writer, request);
        return new ResponseReader(this);
    }

    public (IClientStreamWriter<TRequest>, Task<TResponse>) StartClientStreaming()
    {
        var writer = Start();
        return (writer, ReadUnaryResponseAsync());
    }

    public (IClientStreamWriter<TRequest>, IAsyncStreamReader<TResponse>) StartDuplex()
    {
        var writer = Start();
        return (writer, new ResponseReader(this));
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished yet.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished yet.");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _status ??= new Status(StatusCode.Cancelled, "Call disposed before it finished.");
        _cts.Cancel();
        _content.Complete();
        _response?.Dispose();
        _userRegistration.Dispose();
        _headers.TrySetCanceled();
    }

    private ClientStreamWriter<TRequest> Start()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _content,
        };
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, MessageCompression.AcceptEncoding);
        if (_options.Compression is { } encoding)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, encoding);
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Metadata.EncodeBinary(entry.ValueBytes!) : entry.Value!);
            }
        }
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                _deadlineExceeded = true;
                _cts.Cancel();
            }
            else
            {
                headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(remaining));
                var timer = new Timer(static s => ((ClientCall<TRequest, TResponse>)s!).OnDeadline(), this, remaining, Timeout.InfiniteTimeSpan);
                _cts.Token.UnsafeRegister(static t => ((Timer)t!).Dispose(), timer);
            }
        }
        var writer = new ClientStreamWriter<TRequest>(_content, _method.RequestMarshaller, () => _options.Compression,
            _channel.Options.CompressionLevel, _channel.Options.MaxSendMessageSize, _cts.Token, MapError);
        if (!_cts.IsCancellationRequested)
        {
            _send = _channel.Invoker.SendAsync(request, _cts.Token);
        }
        return writer;
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        _cts.Cancel();
    }

    private async Task SendSingle(ClientStreamWriter<TRequest> writer, TRequest request)
    {
        try
        {
            await writer.WriteSingleAsync(request).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The response side reports the failure with the right status.
            _content.Complete();
        }
    }

    private async Task<TResponse> ReadUnaryResponseAsync()
    {
        var reader = new ResponseReader(this);
        if (!await reader.MoveNext().ConfigureAwait(false))
        {
            throw Finish(new Status(StatusCode.Internal, "Failed to deserialize response message: the server ended the call without one."));
        }
        var message = reader.Current;
        if (await reader.MoveNext().ConfigureAwait(false))
        {
            throw Finish(new Status(StatusCode.Internal, "The server sent more than one response message for a call that expects one."));
        }
        return message;
    }

    /// <summary>Awaits the response headers once; null when the call ended with a Trailers-Only response.</summary>
    private async Task<FrameReader<TResponse>?> GetReaderAsync()
    {
        if (_status is { } done)
        {
            throw new RpcException(done, _trailers);
        }
        if (_send is null)
        {
            throw Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        }
        HttpResponseMessage response;
        try
        {
            response = await _send.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw MapError(ex);
        }
        _response = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var detail = $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}";
            throw Finish(new Status(StatusMapping.FromHttpStatus(response.StatusCode), detail));
        }
        var metadata = ReadMetadata(response.Headers);
        if (TryReadStatus(response.Headers, out var trailersOnly))
        {
            _headers.TrySetResult(metadata);
            _trailers = metadata;
            _status = trailersOnly;
            return null;
        }
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType}"));
        }
        _headers.TrySetResult(metadata);
        var encoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var e) ? e.FirstOrDefault() : null;
        if (encoding is not null && !MessageCompression.IsSupported(encoding))
        {
            throw Finish(new Status(StatusCode.Internal, $"The server compressed with unsupported grpc-encoding '{encoding}'."));
        }
        var stream = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        return new FrameReader<TResponse>(pipe, _method.ResponseMarshaller, _channel.Options.MaxReceiveMessageSize ?? int.MaxValue,
            encoding, "response", _cts.Token);
    }

    /// <summary>After the last message: the status from the trailers.</summary>
    private Status ReadTrailers()
    {
        var trailers = _response!.TrailingHeaders;
        _trailers = ReadMetadata(trailers);
        if (!TryReadStatus(trailers, out var status))
        {
            status = new Status(StatusCode.Internal, "The server ended the response without a grpc-status trailer.");
        }
        _status = status;
        return status;
    }

    private RpcException Finish(Status status)
    {
        _status ??= status;
        _trailers ??= new Metadata();
        _headers.TrySetException(new RpcException(_status.Value, _trailers));
        _cts.Cancel();
        return new RpcException(_status.Value, _trailers);
    }

    private Exception MapError(Exception ex)
    {
        if (ex is RpcException rpc)
        {
            _status ??= rpc.Status;
            return rpc;
        }
        if (_status is { } existing)
        {
            return new RpcException(existing, _trailers);
        }
        if (_deadlineExceeded)
        {
            return Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        }
        if (_cts.IsCancellationRequested)
        {
            return Finish(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        }
        var root = ex;
        while (root.InnerException is not null && root is HttpRequestException or IOException)
        {
            root = root.InnerException;
        }
        return Finish(ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or HttpRequestException { InnerException: System.Net.Sockets.SocketException }
            ? new Status(StatusCode.Unavailable, $"Error connecting to {_channel.Address}: {root.Message}")
            : new Status(StatusCode.Unavailable, $"Error reading the response: {root.GetType().Name}: {root.Message}"));
    }

    private static bool TryReadStatus(HttpHeaders headers, out Status status)
    {
        status = default;
        if (!headers.TryGetValues(GrpcProtocol.StatusTrailer, out var values))
        {
            return false;
        }
        var raw = values.FirstOrDefault();
        if (!int.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            status = new Status(StatusCode.Unknown, $"Unexpected grpc-status value '{raw}'.");
            return true;
        }
        var message = headers.TryGetValues(GrpcProtocol.MessageTrailer, out var m) ? PercentEncoding.Decode(m.First()) : "";
        status = new Status((StatusCode)code, message);
        return true;
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(key) || key.Equals("date", StringComparison.OrdinalIgnoreCase) || key.Equals("server", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (Metadata.IsBinaryKey(key))
                {
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

    /// <summary>Reads response messages; at the end turns a non-OK status into an exception.</summary>
    private sealed class ResponseReader(ClientCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    {
        private FrameReader<TResponse>? _frames;
        private bool _started;
        private bool _ended;
        private TResponse? _current;

        public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
        {
            if (_ended)
            {
                return false;
            }
            try
            {
                if (!_started)
                {
                    _started = true;
                    _frames = await call.GetReaderAsync().ConfigureAwait(false);
                }
                if (_frames is not null && await _frames.MoveNext(cancellationToken).ConfigureAwait(false))
                {
                    _current = _frames.Current;
                    return true;
                }
            }
            catch (RpcException ex)
            {
                _ended = true;
                throw call.Finish(ex.Status);
            }
            catch (Exception ex)
            {
                _ended = true;
                throw call.MapError(ex);
            }
            _ended = true;
            var status = _frames is null ? call._status!.Value : call.ReadTrailers();
            if (status.StatusCode != StatusCode.OK)
            {
                throw new RpcException(status, call._trailers);
            }
            return false;
        }
    }
}
