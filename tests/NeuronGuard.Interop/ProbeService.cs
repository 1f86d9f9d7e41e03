using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using NeuronGuard.Testing;

namespace NeuronGuard.Interop;

/// <summary>neuronguard.testing.Probe: transport behaviours the interop cases do not reach.</summary>
internal sealed class ProbeService : Probe.ProbeBase
{
    public const string Service = "neuronguard.testing.Probe";
    private readonly ConcurrentDictionary<string, (string Outcome, bool DeadlinePassed)> _outcomes = new();

    public static Method<TRequest, TResponse> Method<TRequest, TResponse>(MethodType type, string name)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
        => ProtoMethods.Create<TRequest, TResponse>(type, Service, name);

    public override Task<ProbeResponse> Throw(ProbeRequest request, ServerCallContext context) =>
        throw new InvalidOperationException("secret internal detail: connection string=xyz");

    public override Task<ProbeResponse> GetOutcome(ProbeRequest request, ServerCallContext context)
    {
        var found = _outcomes.TryGetValue(request.Key, out var o);
        return Task.FromResult(new ProbeResponse { Outcome = found ? o.Outcome : "", DeadlinePassed = found && o.DeadlinePassed });
    }

    public override async Task<ProbeResponse> WaitForCancel(ProbeRequest request, ServerCallContext context)
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

    public override async Task<ProbeResponse> Echo(ProbeRequest request, ServerCallContext context)
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
        if (request.Key == "compress")
        {
            headers.Add(TestServiceImpl.CompressionRequestHeader, "gzip");
        }
        if (headers.Count > 0)
        {
            await context.WriteResponseHeadersAsync(headers).ConfigureAwait(false);
        }
        bool compressed = context.GetHttpContext().Request.Headers["grpc-encoding"].ToString() is not ("" or "identity");
        return new ProbeResponse { Payload = request.Payload, Outcome = compressed ? "compressed" : "plain" };
    }

    public override async Task EchoStream(IAsyncStreamReader<ProbeRequest> requests, IServerStreamWriter<ProbeResponse> responses, ServerCallContext context)
    {
        var response = new ProbeResponse();
        while (await requests.MoveNext().ConfigureAwait(false))
        {
            response.Payload = requests.Current.Payload;
            await responses.WriteAsync(response).ConfigureAwait(false);
        }
    }

    public override async Task<ProbeResponse> Sink(IAsyncStreamReader<ProbeRequest> requests, ServerCallContext context)
    {
        var count = 0;
        while (await requests.MoveNext().ConfigureAwait(false))
        {
            count++;
        }
        return new ProbeResponse { Outcome = count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }
}
