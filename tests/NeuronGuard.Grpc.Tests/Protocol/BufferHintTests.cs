using System.Net;
using NeuronGuard.Grpc.Client;
using NeuronGuard.Grpc.Health.V1;

namespace NeuronGuard.Grpc.Tests.Protocol;

/// <summary>
/// WriteFlags.BufferHint on a server stream: buffered messages are not lost and arrive in order, whether the next
/// write flushes them or the call ends with them still buffered.
/// </summary>
public sealed class BufferHintTests
{
    private static readonly Method<HealthCheckRequest, HealthCheckResponse> Burst =
        ProtobufMethod.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.ServerStreaming, "test.Burst", "Write");

    [Theory]
    [InlineData("flush-last", 100)]
    [InlineData("all-buffered", 100)]
    public async Task BufferedWrites_AllArriveInOrder(string mode, int count)
    {
        var registry = new GrpcServiceRegistry();
        registry.AddServerStreaming(Burst, async (request, responses, context) =>
        {
            for (int i = 0; i < count; i++)
            {
                bool last = i == count - 1;
                responses.WriteOptions = last && request.Service == "flush-last" ? null : new WriteOptions(WriteFlags.BufferHint);
                await responses.WriteAsync(new HealthCheckResponse { Status = (HealthCheckResponse.Types.ServingStatus)(i % 3) });
            }
            if (request.Service == "flush-last")
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken); // the messages must arrive without the call ending
            }
        });
        await using var server = await GrpcServerHost.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.Port}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = channel.AsyncServerStreamingCall(Burst, new HealthCheckRequest { Service = mode }, new CallOptions(CancellationToken: cts.Token));
        for (int i = 0; i < count; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token), $"message {i} of {count} never arrived");
            Assert.Equal((HealthCheckResponse.Types.ServingStatus)(i % 3), call.ResponseStream.Current.Status);
        }
    }
}
