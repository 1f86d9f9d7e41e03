using Google.Protobuf;
using Grpc.Testing;
using NeuronGuard.Grpc;

namespace NeuronGuard.Interop;

/// <summary>grpc.testing.TestService as grpc's interop-test-descriptions.md specifies the server.</summary>
internal static class TestServiceImpl
{
    public const string Service = "grpc.testing.TestService";
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    public static void Register(GrpcServiceRegistry registry)
    {
        registry.AddUnary(Method<Empty, Empty>(MethodType.Unary, "EmptyCall"), (_, _) => Task.FromResult(new Empty()));
        registry.AddUnary(Method<SimpleRequest, SimpleResponse>(MethodType.Unary, "UnaryCall"), UnaryCall);
        registry.AddUnary(Method<SimpleRequest, SimpleResponse>(MethodType.Unary, "CacheableUnaryCall"), UnaryCall);
        registry.AddServerStreaming(Method<StreamingOutputCallRequest, StreamingOutputCallResponse>(MethodType.ServerStreaming, "StreamingOutputCall"), StreamingOutputCall);
        registry.AddClientStreaming(Method<StreamingInputCallRequest, StreamingInputCallResponse>(MethodType.ClientStreaming, "StreamingInputCall"), StreamingInputCall);
        registry.AddDuplexStreaming(Method<StreamingOutputCallRequest, StreamingOutputCallResponse>(MethodType.DuplexStreaming, "FullDuplexCall"), FullDuplexCall);
        registry.AddDuplexStreaming(Method<StreamingOutputCallRequest, StreamingOutputCallResponse>(MethodType.DuplexStreaming, "HalfDuplexCall"), HalfDuplexCall);
    }

    public static Method<TRequest, TResponse> Method<TRequest, TResponse>(MethodType type, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
        => ProtobufMethod.Create<TRequest, TResponse>(type, Service, name);

    private static async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        await EchoMetadataAsync(context).ConfigureAwait(false);
        if (request.ExpectCompressed?.Value == true && !context.RequestMessageCompressed)
        {
            throw new RpcException(StatusCode.InvalidArgument, "Expected a compressed request message.");
        }
        ThrowIfStatusRequested(request.ResponseStatus);
        if (request.ResponseCompressed?.Value == true)
        {
            context.ResponseCompression = "gzip";
        }
        return new SimpleResponse { Payload = Payload(request.ResponseSize) };
    }

    private static async Task StreamingOutputCall(StreamingOutputCallRequest request, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        await EchoMetadataAsync(context).ConfigureAwait(false);
        ThrowIfStatusRequested(request.ResponseStatus);
        await WriteResponsesAsync(request, stream, context).ConfigureAwait(false);
    }

    private static async Task<StreamingInputCallResponse> StreamingInputCall(IAsyncStreamReader<StreamingInputCallRequest> requests, ServerCallContext context)
    {
        var total = 0;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            if (request.ExpectCompressed?.Value == true && !context.RequestMessageCompressed)
            {
                throw new RpcException(StatusCode.InvalidArgument, "Expected a compressed request message.");
            }
            total += request.Payload?.Body.Length ?? 0;
        }
        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    private static async Task FullDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requests, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
    {
        await EchoMetadataAsync(context).ConfigureAwait(false);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            ThrowIfStatusRequested(requests.Current.ResponseStatus);
            await WriteResponsesAsync(requests.Current, stream, context).ConfigureAwait(false);
        }
    }

    private static async Task HalfDuplexCall(IAsyncStreamReader<StreamingOutputCallRequest> requests, IServerStreamWriter<StreamingOutputCallResponse> stream, ServerCallContext context)
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
        if (context.ResponseCompression is null && request.ResponseParameters.Any(p => p.Compressed?.Value == true))
        {
            TrySetCompression(context);
        }
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

    private static void TrySetCompression(ServerCallContext context)
    {
        try
        {
            context.ResponseCompression = "gzip";
        }
        catch (InvalidOperationException)
        {
            // Headers already went out uncompressed; later messages stay uncompressed.
        }
    }

    private static Payload Payload(int size) => new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException((StatusCode)status.Code, status.Message);
        }
    }

    private static async Task EchoMetadataAsync(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(EchoInitialKey) is { } initial)
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add(EchoInitialKey, initial)).ConfigureAwait(false);
        }
        if (context.RequestHeaders.Get(EchoTrailingKey) is { ValueBytes: { } trailing })
        {
            context.ResponseTrailers.Add(EchoTrailingKey, trailing);
        }
    }
}
