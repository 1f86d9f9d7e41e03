using Google.Protobuf;
using Grpc.Testing;
using Grpc.Core;

namespace NeuronGuard.Interop;

/// <summary>
/// grpc.testing.TestService as grpc's interop-test-descriptions.md specifies the server, on Grpc.AspNetCore. Methods not
/// overridden (UnimplementedCall) answer UNIMPLEMENTED from the generated base.
/// </summary>
internal sealed class TestServiceImpl : TestService.TestServiceBase
{
    public const string Service = "grpc.testing.TestService";
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    /// <summary>The header with which a grpc-dotnet handler asks for compressed responses (the call's gzip).</summary>
    public const string CompressionRequestHeader = "grpc-internal-encoding-request";

    public override Task<Empty> EmptyCall(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public override Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context) => UnaryCall(request, context);

    public override async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context, compress: request.ResponseCompressed?.Value == true).ConfigureAwait(false);
        CheckCompressed(request.ExpectCompressed, context);
        ThrowIfStatusRequested(request.ResponseStatus);
        return new SimpleResponse { Payload = Payload(request.ResponseSize) };
    }

    public override async Task StreamingOutputCall(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        await EchoMetadataAsync(context, compress: request.ResponseParameters.Any(p => p.Compressed?.Value == true)).ConfigureAwait(false);
        ThrowIfStatusRequested(request.ResponseStatus);
        await WriteResponsesAsync(request, stream, context).ConfigureAwait(false);
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(IAsyncStreamReader<StreamingInputCallRequest> requests, ServerCallContext context)
    {
        var total = 0;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            CheckCompressed(request.ExpectCompressed, context);
            total += request.Payload?.Body.Length ?? 0;
        }
        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public override async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requests, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        await EchoMetadataAsync(context).ConfigureAwait(false);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            ThrowIfStatusRequested(requests.Current.ResponseStatus);
            await WriteResponsesAsync(requests.Current, stream, context).ConfigureAwait(false);
        }
    }

    public override async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requests, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        var all = new List<StreamingOutputCallRequest>();
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            all.Add(requests.Current);
        }
        foreach (var request in all)
        {
            await WriteResponsesAsync(request, stream, context).ConfigureAwait(false);
        }
    }

    private static async Task WriteResponsesAsync(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken).ConfigureAwait(false);
            }
            stream.WriteOptions = parameters.Compressed?.Value == true ? null : new WriteOptions(WriteFlags.NoCompress);
            await stream.WriteAsync(new StreamingOutputCallResponse { Payload = Payload(parameters.Size) }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// grpc-dotnet does not tell a handler whether one message arrived compressed; the call's grpc-encoding says whether
    /// the client compresses (grpc-dotnet's own interop server checks it the same way). Only "expected and absent" is
    /// checkable from it, which is what the interop cases ask the server to reject.
    /// </summary>
    private static void CheckCompressed(BoolValue? expected, ServerCallContext context)
    {
        if (expected?.Value == true && context.GetHttpContext().Request.Headers["grpc-encoding"].ToString() is "" or "identity")
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Expected a compressed request message."));
        }
    }

    private static Payload Payload(int size) => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException(new Status((StatusCode)status.Code, status.Message));
        }
    }

    /// <summary>Echoes the test metadata; with <paramref name="compress"/>, responses go out gzip-compressed.</summary>
    private static async Task EchoMetadataAsync(ServerCallContext context, bool compress = false)
    {
        var headers = new Metadata();
        if (context.RequestHeaders.GetValue(EchoInitialKey) is { } initial)
        {
            headers.Add(EchoInitialKey, initial);
        }
        if (compress)
        {
            headers.Add(CompressionRequestHeader, "gzip");
        }
        if (headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
        }
        if (context.RequestHeaders.Get(EchoTrailingKey) is { ValueBytes: { } trailing })
        {
            context.ResponseTrailers.Add(EchoTrailingKey, trailing);
        }
    }
}
