using NeuronGuard.Api.V1;
using NeuronGuard.ModelServer.BuiltinHost;
using Grpc.Core;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.EndToEnd;

/// <summary>Inference.Generate over real gRPC against the daemon's built-in host.</summary>
[Collection(FixtureDaemonCollection.Name)]
public sealed class InferenceRpcTests(FixtureDaemon fx)
{
    [Fact]
    public async Task Generate_StreamsTokensWithVerdictsThenDone_AndReportsAttenuationOnFlag()
    {
        const string tenant = "t-rpc";
        await fx.ApplyAsync("backdoor", MitigationMode.OnFlag, tenant);
        var events = await CollectAsync(new GenerateRequest { Prompt = fx.Prompts.Triggered[1], MaxNewTokens = 4, Tenant = tenant });
        var tokens = events.Where(e => e.KindCase == GenerateEvent.KindOneofCase.Token).Select(e => e.Token).ToList();
        Assert.Equal(GenerateEvent.KindOneofCase.Done, events[^1].KindCase);
        Assert.Equal(4, tokens.Count);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => (uint)i), tokens.Select(t => t.Step));
        Assert.True(tokens[0].Verdict.Flagged);
        Assert.All(tokens, t => Assert.True(t.AttenuatedNeurons > 0));
        var done = events[^1].Done;
        Assert.Equal("max_tokens", done.FinishReason);
        Assert.Equal(string.Concat(tokens.Select(t => t.Text)), done.Text);
        Assert.True(done.FinalVerdict.Final);
        Assert.True(done.FinalVerdict.Flagged);

        // Same prompt through the library API, mitigation on: the RPC returns exactly its tokens.
        var direct = await fx.GreedyAsync(fx.Prompts.Triggered[1], tenant, maxNewTokens: 4);
        Assert.Equal(direct.TokenIds, tokens.Select(t => t.TokenId));
        await fx.ApplyAsync("backdoor", MitigationMode.Off, tenant);
    }

    [Theory]
    [InlineData("", 4u, "prompt is empty")]
    [InlineData(" hello", 5000u, "max_new_tokens is 5000")]
    public async Task Generate_BadArguments_InvalidArgumentWithReason(string prompt, uint maxNew, string expected)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => CollectAsync(new GenerateRequest { Prompt = prompt, MaxNewTokens = maxNew }));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(expected, ex.Status.Detail);
    }

    private async Task<List<GenerateEvent>> CollectAsync(GenerateRequest request)
    {
        using var call = fx.Channel.AsyncServerStreamingCall(BuiltinHostMethods.Generate, request);
        var list = new List<GenerateEvent>();
        while (await call.ResponseStream.MoveNext())
        {
            list.Add(call.ResponseStream.Current);
        }
        return list;
    }
}
