using Google.Protobuf.Collections;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Monitoring;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>The bounded history behind GetRequest: the oldest request leaves, steps past the limit are counted.</summary>
public sealed class RequestHistoryTests
{
    private static readonly VerdictSource Source = new("vllm-a", "llama", "0a425c23", "");
    private static readonly Detector[] Detectors = [Detector.Coverage, Detector.Backdoor];

    private static RequestTrace Start(RequestHistory history, string id, VerdictSource? source = null)
    {
        var trace = new RequestTrace(id, source ?? Source, "acme", new MapField<string, string> { ["route"] = "/chat" }, Detectors,
            DateTimeOffset.UnixEpoch, history.MaxStepsPerRequest);
        history.Add(trace);
        return trace;
    }

    private static Verdict Step(uint step, bool flagged, bool final = false)
    {
        var v = new Verdict { RequestId = "r", Step = step, Flagged = flagged, Final = final };
        v.Scores.Add(new DetectorScore { Detector = Detector.Coverage, Score = step, Threshold = 10 });
        v.Scores.Add(new DetectorScore { Detector = Detector.Backdoor, Score = step * 2, Threshold = 3, Flagged = flagged });
        return v;
    }

    [Fact]
    public void Record_ThenFind_AnswersEveryStepInOrder_BeyondTheInitialBuffer()
    {
        var history = new RequestHistory(new HistoryOptions { MaxRequests = 4, MaxStepsPerRequest = 100 });
        var trace = Start(history, "r");
        for (uint s = 0; s < 40; s++)
        {
            trace.Record(Step(s, s >= 2));
        }
        var final = Step(40, true, final: true);
        final.TopNeurons.Add(new NeuronContribution { Set = "backdoor", Contribution = 1.5f });
        final.FlaggedPositions.Add(3);
        trace.End(final, DateTimeOffset.UnixEpoch.AddSeconds(1));

        var answer = history.Find("r", "")!;
        Assert.Equal(41, answer.Steps.Count);
        Assert.Equal(Enumerable.Range(0, 41).Select(i => (uint)i), answer.Steps.Select(s => s.Step));
        Assert.Equal(78f, answer.Steps[39].Scores[1].Score);
        Assert.True(answer.Steps[39].Scores[1].Flagged);
        Assert.False(answer.Steps[1].Flagged);
        Assert.True(answer.Steps[^1].Final);
        Assert.True(answer.Flagged);
        Assert.Equal("backdoor", Assert.Single(answer.TopNeurons).Set);
        Assert.Equal([3u], answer.FlaggedPositions);
        Assert.Equal("/chat", answer.Labels["route"]);
        Assert.Equal(1000, answer.EndedAtUnixMs);
    }

    [Fact]
    public void StepsPastTheLimit_AreCountedNotKept()
    {
        var history = new RequestHistory(new HistoryOptions { MaxRequests = 4, MaxStepsPerRequest = 5 });
        var trace = Start(history, "r");
        for (uint s = 0; s < 8; s++)
        {
            trace.Record(Step(s, false));
        }
        var answer = history.Find("r", "")!;
        Assert.Equal(5, answer.Steps.Count);
        Assert.Equal(3UL, answer.StepsDropped);
    }

    [Fact]
    public void OldestRequest_LeavesWhenTheRingIsFull()
    {
        var history = new RequestHistory(new HistoryOptions { MaxRequests = 2 });
        var first = Start(history, "a");
        Start(history, "b");
        Start(history, "c");
        Assert.Null(history.Find("a", ""));
        Assert.NotNull(history.Find("b", ""));
        Assert.NotNull(history.Find("c", ""));
        first.Record(Step(0, false)); // a session still holding an evicted request records into nothing
        Assert.Null(history.Find("a", ""));
    }

    [Fact]
    public void SameIdOnTwoServers_ServerIdPicks_ElseTheNewest()
    {
        var history = new RequestHistory(new HistoryOptions { MaxRequests = 8 });
        Start(history, "r", Source);
        Start(history, "r", Source with { ServerId = "vllm-b" });
        Assert.Equal("vllm-b", history.Find("r", "")!.ServerId);
        Assert.Equal("vllm-a", history.Find("r", "vllm-a")!.ServerId);
        Assert.Null(history.Find("r", "vllm-c"));
    }
}
