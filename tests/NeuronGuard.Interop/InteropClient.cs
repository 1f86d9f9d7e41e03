using System.Text;
using Google.Protobuf;
using Grpc.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Testing;

namespace NeuronGuard.Interop;

/// <summary>
/// The interop client cases (grpc/grpc doc/interop-test-descriptions.md) over Grpc.Net.Client.
/// Each case throws <see cref="InteropFailure"/> with what differed.
/// </summary>
internal sealed class InteropClient(GrpcChannel grpcChannel, bool serverChecksCompression = true)
{
    private readonly CallInvoker channel = grpcChannel.CreateCallInvoker();

    public static readonly string[] Cases =
    [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response", "custom_metadata",
        "status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
        "client_compressed_unary", "client_compressed_streaming", "server_compressed_unary", "server_compressed_streaming",
        "probe_deadline_cancels_handler", "probe_cancel_reaches_handler", "probe_internal_hides_exception",
        "probe_oversized_message", "probe_metadata_echo",
    ];

    private static readonly Method<ProbeRequest, ProbeResponse> WaitForCancel = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "WaitForCancel");
    private static readonly Method<ProbeRequest, ProbeResponse> GetOutcome = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "GetOutcome");
    private static readonly Method<ProbeRequest, ProbeResponse> Throw = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Throw");
    private static readonly Method<ProbeRequest, ProbeResponse> Echo = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Echo");

    private static readonly Method<Empty, Empty> EmptyCall = ProtoMethods.Create<Empty, Empty>(MethodType.Unary, TestServiceImpl.Service, "EmptyCall");
    private static readonly Method<SimpleRequest, SimpleResponse> UnaryCall = ProtoMethods.Create<SimpleRequest, SimpleResponse>(MethodType.Unary, TestServiceImpl.Service, "UnaryCall");
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall = ProtoMethods.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(MethodType.ServerStreaming, TestServiceImpl.Service, "StreamingOutputCall");
    private static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall = ProtoMethods.Create<StreamingInputCallRequest, StreamingInputCallResponse>(MethodType.ClientStreaming, TestServiceImpl.Service, "StreamingInputCall");
    private static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall = ProtoMethods.Create<StreamingOutputCallRequest, StreamingOutputCallResponse>(MethodType.DuplexStreaming, TestServiceImpl.Service, "FullDuplexCall");
    private static readonly Method<Empty, Empty> UnimplementedCall = ProtoMethods.Create<Empty, Empty>(MethodType.Unary, TestServiceImpl.Service, "UnimplementedCall");
    private static readonly Method<Empty, Empty> UnimplementedServiceCall = ProtoMethods.Create<Empty, Empty>(MethodType.Unary, "grpc.testing.UnimplementedService", "UnimplementedCall");

    public Task RunAsync(string testCase) => testCase switch
    {
        "empty_unary" => EmptyUnary(),
        "large_unary" => LargeUnary(),
        "client_streaming" => ClientStreaming(),
        "server_streaming" => ServerStreaming(),
        "ping_pong" => PingPong(),
        "empty_stream" => EmptyStream(),
        "timeout_on_sleeping_server" => TimeoutOnSleepingServer(),
        "cancel_after_begin" => CancelAfterBegin(),
        "cancel_after_first_response" => CancelAfterFirstResponse(),
        "custom_metadata" => CustomMetadata(),
        "status_code_and_message" => StatusCodeAndMessage("test status message"),
        "special_status_message" => StatusCodeAndMessage("\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n"),
        "unimplemented_method" => ExpectStatus(StatusCode.Unimplemented, () => channel.AsyncUnaryCall(UnimplementedCall, new Empty()).ResponseAsync),
        "unimplemented_service" => ExpectStatus(StatusCode.Unimplemented, () => channel.AsyncUnaryCall(UnimplementedServiceCall, new Empty()).ResponseAsync),
        "client_compressed_unary" => ClientCompressedUnary(),
        "client_compressed_streaming" => ClientCompressedStreaming(),
        "server_compressed_unary" => ServerCompressedUnary(),
        "server_compressed_streaming" => ServerCompressedStreaming(),
        "probe_deadline_cancels_handler" => ProbeCancellation(deadline: true),
        "probe_cancel_reaches_handler" => ProbeCancellation(deadline: false),
        "probe_internal_hides_exception" => ProbeInternal(),
        "probe_oversized_message" => ProbeOversized(),
        "probe_metadata_echo" => ProbeMetadata(),
        _ => throw new InteropFailure($"unknown test case '{testCase}'"),
    };

    private async Task EmptyUnary()
    {
        var response = await channel.AsyncUnaryCall(EmptyCall, new Empty());
        Check(response is not null, "empty response");
    }

    private async Task LargeUnary()
    {
        var response = await channel.AsyncUnaryCall(UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Payload(271828) });
        Check(response.Payload.Body.Length == 314159, $"payload size {response.Payload.Body.Length}, expected 314159");
    }

    private async Task ClientStreaming()
    {
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall);
        foreach (var size in new[] { 27182, 8, 1828, 45904 })
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Payload(size) });
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Check(response.AggregatedPayloadSize == 74922, $"aggregated {response.AggregatedPayloadSize}, expected 74922");
    }

    private async Task ServerStreaming()
    {
        var sizes = new[] { 31415, 9, 2653, 58979 };
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(sizes.Select(s => new ResponseParameters { Size = s }));
        using var call = channel.AsyncServerStreamingCall(StreamingOutputCall, request);
        var received = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            received.Add(call.ResponseStream.Current.Payload.Body.Length);
        }
        Check(received.SequenceEqual(sizes), $"sizes {string.Join(",", received)}");
    }

    private async Task PingPong()
    {
        int[] requestSizes = [27182, 8, 1828, 45904];
        int[] responseSizes = [31415, 9, 2653, 58979];
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        for (var i = 0; i < requestSizes.Length; i++)
        {
            var request = new StreamingOutputCallRequest { Payload = Payload(requestSizes[i]) };
            request.ResponseParameters.Add(new ResponseParameters { Size = responseSizes[i] });
            await call.RequestStream.WriteAsync(request);
            Check(await call.ResponseStream.MoveNext(), $"no response {i}");
            Check(call.ResponseStream.Current.Payload.Body.Length == responseSizes[i], $"response {i} size");
        }
        await call.RequestStream.CompleteAsync();
        Check(!await call.ResponseStream.MoveNext(), "extra response after half-close");
    }

    private async Task EmptyStream()
    {
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        await call.RequestStream.CompleteAsync();
        Check(!await call.ResponseStream.MoveNext(), "expected no responses");
    }

    private async Task TimeoutOnSleepingServer()
    {
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(1)));
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Payload(27182) });
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
        }
        catch (InvalidOperationException)
        {
        }
        await ExpectStatus(StatusCode.DeadlineExceeded, () => call.ResponseStream.MoveNext());
    }

    private async Task CancelAfterBegin()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall, new CallOptions(cancellationToken: cts.Token));
        cts.Cancel();
        await ExpectStatus(StatusCode.Cancelled, () => call.ResponseAsync);
    }

    private async Task CancelAfterFirstResponse()
    {
        using var cts = new CancellationTokenSource();
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall, new CallOptions(cancellationToken: cts.Token));
        var request = new StreamingOutputCallRequest { Payload = Payload(27182) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 31415 });
        await call.RequestStream.WriteAsync(request);
        Check(await call.ResponseStream.MoveNext(), "no first response");
        cts.Cancel();
        await ExpectStatus(StatusCode.Cancelled, () => call.ResponseStream.MoveNext());
    }

    private async Task CustomMetadata()
    {
        var initial = "test_initial_metadata_value";
        var trailing = new byte[] { 0xab, 0xab, 0xab };
        var headers = new Metadata { { "x-grpc-test-echo-initial", initial }, { "x-grpc-test-echo-trailing-bin", trailing } };

        using var unary = channel.AsyncUnaryCall(UnaryCall, new SimpleRequest { ResponseSize = 314159, Payload = Payload(271828) }, new CallOptions(headers));
        await unary;
        CheckEcho(await unary.ResponseHeadersAsync, unary.GetTrailers(), initial, trailing);

        using var duplex = channel.AsyncDuplexStreamingCall(FullDuplexCall, new CallOptions(headers));
        var request = new StreamingOutputCallRequest { Payload = Payload(271828) };
        request.ResponseParameters.Add(new ResponseParameters { Size = 314159 });
        await duplex.RequestStream.WriteAsync(request);
        await duplex.RequestStream.CompleteAsync();
        while (await duplex.ResponseStream.MoveNext())
        {
        }
        CheckEcho(await duplex.ResponseHeadersAsync, duplex.GetTrailers(), initial, trailing);
    }

    private static void CheckEcho(Metadata headers, Metadata trailers, string initial, byte[] trailing)
    {
        Check(headers.GetValue("x-grpc-test-echo-initial") == initial, $"initial metadata {headers}");
        Check(trailers.Get("x-grpc-test-echo-trailing-bin")?.ValueBytes?.SequenceEqual(trailing) == true, $"trailing metadata {trailers}");
    }

    private async Task StatusCodeAndMessage(string message)
    {
        var status = new EchoStatus { Code = 2, Message = message };
        var ex = await ExpectStatus(StatusCode.Unknown, () => channel.AsyncUnaryCall(UnaryCall, new SimpleRequest { ResponseStatus = status }).ResponseAsync);
        Check(ex.Status.Detail == message, $"unary message '{ex.Status.Detail}'");
        if (message.StartsWith('\t'))
        {
            return; // special_status_message covers unary only.
        }
        using var call = channel.AsyncDuplexStreamingCall(FullDuplexCall);
        await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { ResponseStatus = status });
        await call.RequestStream.CompleteAsync();
        var streamEx = await ExpectStatus(StatusCode.Unknown, () => call.ResponseStream.MoveNext());
        Check(streamEx.Status.Detail == message, $"stream message '{streamEx.Status.Detail}'");
    }

    private async Task ClientCompressedUnary()
    {
        // Probe: an uncompressed request that asks the server to expect compression must fail. grpc-js servers
        // cannot see per-message flags, so against them (--server_checks_compression=false) the probe is skipped.
        if (serverChecksCompression)
        {
            await ExpectStatus(StatusCode.InvalidArgument, () => channel.AsyncUnaryCall(UnaryCall,
            new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Payload(271828) }).ResponseAsync);
        }
        var compressed = await channel.AsyncUnaryCall(UnaryCall,
            new SimpleRequest { ExpectCompressed = new BoolValue { Value = true }, ResponseSize = 314159, Payload = Payload(271828) },
            new CallOptions(new Metadata { { TestServiceImpl.CompressionRequestHeader, "gzip" } }));
        Check(compressed.Payload.Body.Length == 314159, "compressed response size");
        var plain = await channel.AsyncUnaryCall(UnaryCall,
            new SimpleRequest { ExpectCompressed = new BoolValue { Value = false }, ResponseSize = 314159, Payload = Payload(271828) });
        Check(plain.Payload.Body.Length == 314159, "plain response size");
    }

    private async Task ClientCompressedStreaming()
    {
        using var call = channel.AsyncClientStreamingCall(StreamingInputCall, new CallOptions(new Metadata { { TestServiceImpl.CompressionRequestHeader, "gzip" } }));
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = true }, Payload = Payload(27182) });
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(new StreamingInputCallRequest { ExpectCompressed = new BoolValue { Value = false }, Payload = Payload(45904) });
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Check(response.AggregatedPayloadSize == 73086, $"aggregated {response.AggregatedPayloadSize}, expected 73086");
    }

    private async Task ServerCompressedUnary()
    {
        foreach (var compress in new[] { true, false })
        {
            var response = await channel.AsyncUnaryCall(UnaryCall,
                new SimpleRequest { ResponseCompressed = new BoolValue { Value = compress }, ResponseSize = 314159, Payload = Payload(271828) });
            Check(response.Payload.Body.Length == 314159, "response size");
        }
    }

    private async Task ServerCompressedStreaming()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = true }, Size = 31415 });
        request.ResponseParameters.Add(new ResponseParameters { Compressed = new BoolValue { Value = false }, Size = 92653 });
        using var call = channel.AsyncServerStreamingCall(StreamingOutputCall, request);
        var sizes = new List<int>();
        while (await call.ResponseStream.MoveNext())
        {
            sizes.Add(call.ResponseStream.Current.Payload.Body.Length);
        }
        Check(sizes.SequenceEqual([31415, 92653]), $"sizes {string.Join(",", sizes)}");
    }

    private async Task ProbeCancellation(bool deadline)
    {
        var key = $"dotnet-{(deadline ? "deadline" : "cancel")}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using var cts = new CancellationTokenSource();
        var options = deadline ? new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)) : new CallOptions(cancellationToken: cts.Token);
        var call = channel.AsyncUnaryCall(WaitForCancel, new ProbeRequest { Key = key }, options);
        if (!deadline)
        {
            cts.CancelAfter(300);
        }
        await ExpectStatus(deadline ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, () => call.ResponseAsync);
        var outcome = new ProbeResponse();
        for (var i = 0; i < 50 && outcome.Outcome != "cancelled"; i++)
        {
            await Task.Delay(20);
            outcome = await channel.AsyncUnaryCall(GetOutcome, new ProbeRequest { Key = key });
        }
        Check(outcome.Outcome == "cancelled", $"handler outcome '{outcome.Outcome}', expected 'cancelled'");
        Check(outcome.DeadlinePassed == deadline, $"handler saw deadline_passed={outcome.DeadlinePassed}");
    }

    private async Task ProbeInternal()
    {
        // grpc-dotnet answers a handler's exception with UNKNOWN "Exception was thrown by handler." (the first wave's transport said INTERNAL).
        var ex = await ExpectStatus(StatusCode.Unknown, () => channel.AsyncUnaryCall(Throw, new ProbeRequest()).ResponseAsync);
        Check(!ex.Status.Detail.Contains("secret", StringComparison.Ordinal), $"exception text leaked: {ex.Status.Detail}");
    }

    private async Task ProbeOversized()
    {
        var ex = await ExpectStatus(StatusCode.ResourceExhausted, () => channel.AsyncUnaryCall(Echo,
            new ProbeRequest { Key = $"size:{5 * 1024 * 1024}", Payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }).ResponseAsync);
        // grpc-dotnet says "exceeds the maximum configured message size", grpc-js "larger than max".
        Check(ex.Status.Detail.Contains("exceeds the maximum", StringComparison.Ordinal) || ex.Status.Detail.Contains("larger than max", StringComparison.Ordinal), ex.Status.Detail);
        var ok = await channel.AsyncUnaryCall(Echo, new ProbeRequest { Payload = ByteString.CopyFromUtf8("still works") });
        Check(ok.Payload.ToStringUtf8() == "still works", "call after the oversized one");
    }

    private async Task ProbeMetadata()
    {
        var headers = new Metadata { { "x-note-echo", "ascii value" }, { "x-blob-echo-bin", new byte[] { 0, 1, 2, 255 } } };
        using var call = channel.AsyncUnaryCall(Echo, new ProbeRequest { Payload = ByteString.CopyFromUtf8("x") }, new CallOptions(headers));
        await call;
        Check((await call.ResponseHeadersAsync).GetValue("x-note-echo") == "ascii value", "ascii header echo");
        Check(call.GetTrailers().Get("x-blob-echo-bin")?.ValueBytes?.SequenceEqual(new byte[] { 0, 1, 2, 255 }) == true, "binary trailer echo");
    }

    private static Payload Payload(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private static async Task<RpcException> ExpectStatus(StatusCode code, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RpcException ex) when (ex.StatusCode == code)
        {
            return ex;
        }
        catch (RpcException ex)
        {
            throw new InteropFailure($"expected {code}, got {ex.Status}");
        }
        throw new InteropFailure($"expected {code}, the call succeeded");
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InteropFailure(what);
        }
    }
}

internal sealed class InteropFailure(string message) : Exception(message);
