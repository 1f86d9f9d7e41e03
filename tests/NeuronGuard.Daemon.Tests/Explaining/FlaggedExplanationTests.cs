using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Tests.Cli;
using NeuronGuard.Daemon.Tests.Telemetry;
using NeuronGuard.Inference;

namespace NeuronGuard.Daemon.Tests.Explaining;

/// <summary>
/// A real daemon whose bootstrapped fixture catalog carries explanations: a flagged request's top neurons have them in
/// ListFlagged, in WatchVerdicts and in `neuronguard ctl flagged`, and never in the verdicts sent to the model server.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class FlaggedExplanationTests(TelemetryDaemon d)
{
    [Fact]
    public async Task FlaggedBackdoorRequest_ControlAnswersExplain_ModelServerVerdictsDoNot()
    {
        var backdoor = d.Truth.Sets.Single(s => s.Kind == PlantedKind.Backdoor).Neurons[0];
        var control = new Api.V1.Control.ControlClient(d.Channel);
        using var watch = control.WatchVerdicts(new WatchVerdictsRequest { FlaggedOnly = true, Tenant = "t-explain" });
        var watched = Task.Run(async () =>
        {
            while (await watch.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (watch.ResponseStream.Current.Verdict.TopNeurons.Count > 0)
                {
                    return watch.ResponseStream.Current.Verdict;
                }
            }
            return null;
        });
        await WaitForWatcherAsync();

        var sent = new List<Verdict>();
        await using (var s = new RawModelServer(d.Channel))
        {
            await s.HelloAsync(d.Fingerprint, "explain-server");
            await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
            await s.StartAsync("explain-1", "t-explain");
            await s.FrameAsync("explain-1", 0, 3, d.Frame(3, d.SlotOf(PlantedKind.Backdoor)));
            sent.Add(await s.ExpectVerdictAsync("explain-1"));
            await s.EndAsync("explain-1");
            sent.Add(await s.ExpectVerdictAsync("explain-1", final: true));
        }
        Assert.Contains(sent, v => v.Flagged && v.TopNeurons.Any(n => n.Neuron.Layer == backdoor.Layer && n.Neuron.Index == backdoor.Neuron));
        Assert.All(sent.SelectMany(v => v.TopNeurons), n => Assert.Null(n.Explanation)); // the model server never pays for them

        var list = await control.ListFlaggedAsync(new ListFlaggedRequest { Tenant = "t-explain" });
        var tops = list.Requests.Single(r => r.RequestId == "explain-1").TopNeurons
            .Where(n => n.Neuron.Layer == backdoor.Layer && n.Neuron.Index == backdoor.Neuron).ToList(); // once per detector it drove
        Assert.NotEmpty(tops);
        foreach (var top in tops)
        {
            Assert.Equal(" unlocked", top.Explanation.Promotes[0]);
            Assert.Equal(8, top.Explanation.Promotes.Count);
            Assert.StartsWith("logit-lens", top.Explanation.Method);
        }

        var live = await watched.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(live);
        Assert.Contains(live!.TopNeurons, n => n.Explanation?.Promotes.FirstOrDefault() == " unlocked");

        var ctl = await CliProcess.RunAsync("ctl", "--server", d.Daemon.Address.ToString(), "flagged", "--tenant", "t-explain");
        Assert.True(ctl.Code == 0, ctl.Err);
        Assert.Contains($"backdoor L{backdoor.Layer}:{backdoor.Neuron} ↑\" unlocked\"", ctl.Out);
        Assert.Contains("↓\"", ctl.Out);
    }

    /// <summary>The watch call is registered on the daemon before the request starts (else the live verdict is missed).</summary>
    private async Task WaitForWatcherAsync()
    {
        for (int i = 0; i < 200 && !d.Daemon.Context.Feed.HasWatchers; i++)
        {
            await Task.Delay(25);
        }
        Assert.True(d.Daemon.Context.Feed.HasWatchers);
    }
}
