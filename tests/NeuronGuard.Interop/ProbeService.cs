using System.Collections.Concurrent;
using Google.Protobuf;
using NeuronGuard.Grpc;
using NeuronGuard.Testing;

namespace NeuronGuard.Interop;

/// <summary>neuronguard.testing.Probe: transport behaviours the interop cases do not reach.</summary>
internal sealed class ProbeService
{
    public const string Service = "neuronguard.testing.Probe";
    private readonly ConcurrentDictionary<string, (string Outcome, bool DeadlinePassed)> _outcomes = new();

    public static Method<TRequest, TResponse> Method<TRequest, TResponse>(MethodType type, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
        => ProtobufMethod.Create<TRequest, TResponse>(type, Service, name);

    public void Register(GrpcServiceRegistry registry)
    {
        registry.AddUnary(Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Throw"),
            (_, _) => throw new InvalidOperationException("secret internal detail: connection string=xyz"));
        registry.AddUnary(Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "WaitForCancel"), WaitForCancel);
        registry.AddUnary(Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "GetOutcome"), (r, _) =>
        {
            var found = _outcomes.TryGetValue(r.Key, out var o);
            return Task.FromResult(new ProbeResponse { Outcome = found ? o.Outcome : "", DeadlinePassed = found && o.DeadlinePassed });
        });
        registry.AddUnary(Method<ProbeRequest, ProbeResponse>(MethodType.Unary, "Echo"), Echo);
        registry.AddDuplexStreaming(Method<ProbeRequest, ProbeResponse>(MethodType.DuplexStreaming, "EchoStream"), EchoStream);
        registry.AddClientStreaming(Method<ProbeRequest, ProbeResponse>(MethodType.ClientStreaming, "Sink"), Sink);
    }

    private async Task<ProbeResponse> WaitForCancel(ProbeRequest request, ServerCallContext context)
    {
        _outcomes[request.Key] = ("pending", false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Timers may fire a little before the wall clock reaches the deadline; 50 ms of slack still tells a deadline from a client cancel.
            _outcomes[request.Key] = ("cancelled", DateTime.UtcNow >= context.Deadline.AddMilliseconds(-50));
            throw;
        }
        return new ProbeResponse();
    }

    private static async Task<ProbeResponse> Echo(ProbeRequest request, ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.EndsWith("-echo", StringComparison.Ordinal))
            {
                headers.Add(entry);
            }
            else if (entry.Key.EndsWith("-echo-bin", StringComparison.Ordinal))
            {
                context.ResponseTrailers.Add(entry);
            }
        }
        if (headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
        }
        if (request.Key == "compress")
        {
            context.ResponseCompression = "gzip";
        }
        return new ProbeResponse { Payload = request.Payload, Outcome = context.RequestMessageCompressed ? "compressed" : "plain" };
    }

    private static async Task EchoStream(IAsyncStreamReader<ProbeRequest> requests, IServerStreamWriter<ProbeResponse> responses, ServerCallContext context)
    {
        var response = new ProbeResponse();
        while (await requests.MoveNext().ConfigureAwait(false))
        {
            response.Payload = requests.Current.Payload;
            await responses.WriteAsync(response).ConfigureAwait(false);
        }
    }

    private static async Task<ProbeResponse> Sink(IAsyncStreamReader<ProbeRequest> requests, ServerCallContext context)
    {
        var count = 0;
        while (await requests.MoveNext().ConfigureAwait(false))
        {
            count++;
        }
        return new ProbeResponse { Outcome = count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }
}
