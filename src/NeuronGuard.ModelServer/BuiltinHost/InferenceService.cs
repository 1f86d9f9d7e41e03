using System.Threading.Channels;
using NeuronGuard.Api.V1;
using Grpc.Core;
using NeuronGuard.Inference;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// <c>neuronguard.v1.Inference/Generate</c> on top of a <see cref="TelemetryModelServer"/>: one
/// <c>GenerateEvent{token}</c> per generated token (with the verdict of the pass that chose it and the number of
/// neurons attenuated in it), then <c>GenerateEvent{done}</c> with the finish reason, final verdict and abort reason.
/// Inside the daemon the service is mapped before the host can connect (the listener's port may be 0), so until
/// <see cref="Server"/> is set it answers UNAVAILABLE.
/// </summary>
public sealed class InferenceService(TelemetryModelServer? server = null) : Api.V1.Inference.InferenceBase
{
    private volatile TelemetryModelServer? _server = server;

    public const string ServiceName = "neuronguard.v1.Inference";

    /// <summary>Largest max_new_tokens accepted.</summary>
    public const int MaxNewTokensLimit = 4096;

    /// <summary>max_new_tokens when the request leaves it 0.</summary>
    public const int DefaultMaxNewTokens = 32;

    /// <summary>The host that generates; null while it is still connecting to the daemon.</summary>
    public TelemetryModelServer? Server
    {
        get => _server;
        set => _server = value;
    }

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateEvent> stream, ServerCallContext context)
    {
        var server = _server ?? throw Error(StatusCode.Unavailable, "the built-in model host is still connecting to the daemon: retry in a moment.");
        if (request.Prompt.Length == 0)
        {
            throw Error(StatusCode.InvalidArgument, "prompt is empty; give the text to continue.");
        }
        if (request.MaxNewTokens > MaxNewTokensLimit)
        {
            throw Error(StatusCode.InvalidArgument, $"max_new_tokens is {request.MaxNewTokens}; at most {MaxNewTokensLimit} are allowed.");
        }
        if (!float.IsFinite(request.Temperature) || request.Temperature < 0)
        {
            throw Error(StatusCode.InvalidArgument, $"temperature is {request.Temperature}; use 0 (greedy) or a positive number.");
        }
        if (!float.IsFinite(request.TopP) || request.TopP < 0 || request.TopP > 1)
        {
            throw Error(StatusCode.InvalidArgument, $"top_p is {request.TopP}; use a value in (0, 1], or 0 for no nucleus cut.");
        }
        var options = new GenerationOptions
        {
            MaxNewTokens = request.MaxNewTokens == 0 ? DefaultMaxNewTokens : (int)request.MaxNewTokens,
            Temperature = request.Temperature,
            TopK = (int)Math.Min(request.TopK, int.MaxValue),
            TopP = request.TopP == 0 ? 1f : request.TopP,
            Seed = unchecked((int)request.Seed),
        };

        // Tokens are produced on the generating thread; one writer task forwards them (one write in flight at a time).
        var events = Channel.CreateUnbounded<GenerateEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        Task<HostedResult> generation;
        try
        {
            generation = server.GenerateAsync(request.Prompt, options, request.Tenant,
                token => events.Writer.TryWrite(new GenerateEvent { Token = ToMessage(token) }), context.CancellationToken);
        }
        catch (DaemonUnavailableException ex)
        {
            throw Error(StatusCode.Unavailable, ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw Error(StatusCode.InvalidArgument, ex.Message);
        }
        _ = generation.ContinueWith(_ => events.Writer.TryComplete(), TaskScheduler.Default);

        await foreach (var e in events.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await stream.WriteAsync(e).ConfigureAwait(false);
        }
        var result = await generation.ConfigureAwait(false);
        var done = new GenerateDone
        {
            RequestId = result.RequestId,
            FinishReason = result.FinishReason,
            Text = result.Text,
            AbortReason = result.AbortReason ?? "",
        };
        if (result.FinalVerdict is not null)
        {
            done.FinalVerdict = result.FinalVerdict;
        }
        await stream.WriteAsync(new GenerateEvent { Done = done }).ConfigureAwait(false);
    }

    private static RpcException Error(StatusCode code, string detail) => new(new Status(code, detail));

    private static GeneratedToken ToMessage(HostedToken token)
    {
        var message = new GeneratedToken
        {
            Step = (uint)token.Index,
            TokenId = token.TokenId,
            Text = token.Text,
            AttenuatedNeurons = (uint)token.AttenuatedNeurons,
            ShadowAttenuatedNeurons = (uint)token.ShadowAttenuatedNeurons,
        };
        if (token.Verdict is not null)
        {
            message.Verdict = token.Verdict;
        }
        return message;
    }
}
