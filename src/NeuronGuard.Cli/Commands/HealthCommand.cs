using System.CommandLine;
using Grpc.Core;
using Grpc.Health.V1;
using NeuronGuard.Client;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard health</c>: one <c>grpc.health.v1.Health/Check</c>, for exec probes. Kubernetes gRPC probes dial the
/// pod IP, so a sidecar listening on loopback can only be probed from inside the pod: this command runs there.
/// Exit 0 on SERVING, 1 on anything else (NOT_SERVING, unknown service, unreachable, timeout), 2 on a usage error.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target", "--server") { Description = $"Daemon address, HOST:PORT or http(s)://HOST:PORT {ClientEnvironment.ServerHelp}.", DefaultValueFactory = _ => ClientEnvironment.Server };
        var service = new Option<string>("--service") { Description = "Service to check; \"\" is the server as a whole.", DefaultValueFactory = _ => "" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 5 };
        var token = new Option<string?>("--token") { Description = $"Bearer token, when the daemon has tokens configured (default: ${ClientEnvironment.TokenVariable})." };
        var command = new Command("health", "Check the daemon's gRPC health (exit 0 when SERVING), for exec probes.") { target, service, timeout, token };
        command.SetAction(async (parse, ct) =>
        {
            string address = parse.GetValue(target)!;
            double seconds = parse.GetValue(timeout);
            if (ClientEnvironment.Address(address) is not { } uri)
            {
                Console.Error.WriteLine($"neuronguard health: '{address}' is not a daemon address: use HOST:PORT or http://HOST:PORT.");
                return 2;
            }
            if (!(seconds > 0))
            {
                Console.Error.WriteLine("neuronguard health: --timeout must be a positive number of seconds.");
                return 2;
            }
            using var channel = DaemonChannel.Create(uri);
            try
            {
                var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = parse.GetValue(service)! },
                    new CallOptions(headers: DaemonChannel.Bearer(ClientEnvironment.Token(parse.GetValue(token))), deadline: DateTime.UtcNow.AddSeconds(seconds), cancellationToken: ct));
                var status = reply.Status;
                Console.WriteLine(status switch
                {
                    ServingStatus.Serving => "SERVING",
                    ServingStatus.NotServing => "NOT_SERVING",
                    ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
                    _ => "UNKNOWN",
                });
                return status == ServingStatus.Serving ? 0 : 1;
            }
            catch (Exception ex) when (ClientErrors.Describe(ex, new ClientErrors.CallSite(address, Service: parse.GetValue(service))) is { } line)
            {
                Console.Error.WriteLine($"neuronguard health: {line}");
                return 1;
            }
        });
        return command;
    }
}
