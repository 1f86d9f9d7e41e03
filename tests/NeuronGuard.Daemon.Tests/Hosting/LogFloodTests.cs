using Grpc.Core;
using Grpc.Net.Client;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// Client faults are short, rate-limited log lines (issue 23 item 4): 10,000 requests that do not parse write well
/// under 100 KB of log in all (each used to write a ~2.5 KB stack trace at error level), and a later line says how many
/// similar faults were suppressed.
/// </summary>
public sealed class LogFloodTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "neuronguard.dll");
    private static readonly Method<byte[], byte[]> RawGetPolicy = new(MethodType.Unary, "neuronguard.v1.Control", "GetPolicy",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    [Fact]
    public async Task TenThousandUndecodableRequests_LessThan100KBOfLog_NoStackTrace()
    {
        using var daemon = await ServeProcess.StartAsync(CliDll, "--listen 127.0.0.1:0 --model none");
        int logBefore = daemon.Log.Length;
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{daemon.Port}");
        int internalCount = 0;
        await Parallel.ForAsync(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, _) =>
        {
            try
            {
                await channel.AsyncUnaryCall(RawGetPolicy, [0xFF, 0xFF, 0xFF], new CallOptions(deadline: DateTime.UtcNow.AddSeconds(120)));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Internal)
            {
                Interlocked.Increment(ref internalCount);
            }
        });
        Assert.Equal(10_000, internalCount);
        // One more fault after the limiter's window has turned over says how many were suppressed.
        await Task.Delay(TimeSpan.FromSeconds(11));
        await Assert.ThrowsAsync<RpcException>(() => channel.AsyncUnaryCall(RawGetPolicy, [0xFF, 0xFF, 0xFF], new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60))).ResponseAsync);
        string log = "";
        for (int i = 0; i < 100 && !log.Contains("suppressed", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
            log = daemon.Log;
        }
        var written = log.Length - logBefore;
        Assert.True(written < 100_000, $"{written} bytes of log for 10,000 bad requests:\n{log[..Math.Min(log.Length, 4000)]}");
        Assert.Contains("client fault on /neuronguard.v1.Control/GetPolicy", log);
        Assert.Contains("suppressed", log);
        Assert.DoesNotContain("InvalidProtocolBufferException", log); // no exception, no stack trace
        Assert.DoesNotContain("fail:", log);
    }
}
