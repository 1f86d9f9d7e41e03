using System.Net;
using Microsoft.Extensions.Logging;
using Grpc.Net.Client;
using NeuronGuard.Interop;

// Usage (the flags follow grpc's interop server and client):
//   server --port=N                          serve grpc.testing.TestService (and neuronguard.testing.Probe) on 127.0.0.1:N
//   client --server_port=N --test_case=CASE  run CASE ("all" for every case) against a server on 127.0.0.1:N
//          [--server_checks_compression=false]  skip the compression feature probe (grpc-js servers cannot check it)
var flags = args.Skip(1).Select(a => a.TrimStart('-').Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
switch (args.FirstOrDefault())
{
    case "server":
    {
        var port = int.Parse(flags.GetValueOrDefault("port", "0"), System.Globalization.CultureInfo.InvariantCulture);
        await using var host = await InteropServer.StartAsync(new IPEndPoint(IPAddress.Loopback, port), logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        Console.WriteLine($"interop server listening on 127.0.0.1:{host.Port}");
        // The host's lifetime ends on SIGTERM and Ctrl+C, so the server exits cleanly on either (the first wave's hung on SIGTERM).
        await host.WaitForShutdownAsync();
        return 0;
    }
    case "client":
    {
        var host = flags.GetValueOrDefault("server_host", "127.0.0.1");
        var port = flags.GetValueOrDefault("server_port", "10000");
        using var channel = GrpcChannel.ForAddress($"http://{host}:{port}");
        var client = new InteropClient(channel, flags.GetValueOrDefault("server_checks_compression", "true") != "false");
        var cases = flags.GetValueOrDefault("test_case", "all") is "all" ? InteropClient.Cases : [flags["test_case"]];
        var failed = 0;
        foreach (var testCase in cases)
        {
            try
            {
                await client.RunAsync(testCase);
                Console.WriteLine($"PASS {testCase}");
            }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"FAIL {testCase}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        return failed == 0 ? 0 : 1;
    }
    default:
        Console.Error.WriteLine("usage: NeuronGuard.Interop server --port=N | client --server_port=N [--test_case=CASE|all]");
        return 2;
}
