using System.Diagnostics;
using System.Text.Json;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.ModelServer;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Metrics;

namespace NeuronGuard.Daemon.Tests.Fuzz;

/// <summary>
/// A bounded, seeded protobuf fuzz from a peer we did not write (tests/peers/python/fuzz.py on Debian's grpcio): random
/// and mutated Telemetry messages and Control calls against a real daemon of its own. Whatever each call answers, the
/// daemon must stay up, answer Health SERVING, finish a request on a stream that was open throughout, and serve a new one.
/// </summary>
public sealed class ProtobufFuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Fuzz_TwoThousandMessagesAndCalls_DaemonKeepsServing(int seed)
    {
        string dir = Directory.CreateTempSubdirectory("ng-fuzz-").FullName;
        try
        {
            await using var daemon = await ServeHost.StartAsync(new DaemonOptions
            {
                Listen = "127.0.0.1:0",
                DataDir = dir,
                LogLevel = "Critical",
                Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
            });
            string fingerprint = daemon.BuiltinHost()!.Host.Info.Fingerprint;
            int slots = daemon.Context.Plans.Get(fingerprint).Plan!.Slots.Count;
            string script = Path.Combine(MetricsTestPaths.RepoRoot, "tests", "peers", "python", "fuzz.py");
            var info = new ProcessStartInfo("/usr/bin/python3", $"{script} 127.0.0.1:{daemon.Address.Port} {fingerprint} {slots} {seed} 2000 127.0.0.1:{daemon.MetricsAddress!.Port}")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var p = Process.Start(info)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            string output = await stdout;
            Assert.True(p.ExitCode == 0, $"fuzz.py exited {p.ExitCode}:\n{output}\n{await stderr}");
            var summary = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            Assert.True(summary.GetProperty("serving").GetBoolean());
            Assert.True(summary.GetProperty("healthy_stream_finished").GetBoolean());
            Assert.True(summary.GetProperty("fresh_stream_served").GetBoolean());
            Assert.True(summary.GetProperty("telemetry_messages").GetInt32() >= 2000);
            // The fuzz reached the services: valid messages with bad values were refused with a precise status, and none
            // hit a handler crash (UNKNOWN); UNKNOWN is grpc-dotnet's answer only for bytes it cannot parse.
            var codes = summary.GetProperty("codes");
            Assert.True(codes.TryGetProperty("typed:INVALID_ARGUMENT", out _), output);
            Assert.False(codes.TryGetProperty("typed:UNKNOWN", out _), output);
            Assert.False(codes.TryGetProperty("typed:INTERNAL", out _), output);
            // Past its 16 watches the connection's extra ones were refused, and the healthy stream on it survived every
            // metadata size (checked above); HTTP/1.1 garbage did not stop the metrics port.
            Assert.Equal(16, codes.GetProperty("watch:OK").GetInt32());
            Assert.Equal(4, codes.GetProperty("watch:RESOURCE_EXHAUSTED").GetInt32());
            Assert.True(codes.TryGetProperty("metadata:OK", out _), output);
            Assert.True(summary.GetProperty("metrics_ok").GetBoolean(), output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
