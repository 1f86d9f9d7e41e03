using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Http;
using NeuronGuard.Daemon.Monitoring;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// The verdict stream's pieces without a daemon: what a slow reader loses is counted and reported on the next event
/// (the queue WatchVerdicts uses too), the event is one JSON data line, and the query's filters parse or say why not.
/// </summary>
public sealed class VerdictEventTests
{
    private static readonly VerdictSource Source = new("vllm-a", "llama", "0A425C23", "llama-3.2-1b");

    [Fact]
    public void SlowReader_QueueFull_DropsAreCountedAndReportedOnTheNextEvent()
    {
        var feed = new VerdictFeed(queueCapacity: 2);
        var watcher = feed.Subscribe(new VerdictFilter(false, ""));
        for (uint step = 0; step < 5; step++)
        {
            feed.Publish(Source, "acme", new Verdict { RequestId = "r", Step = step });
        }
        Assert.Equal(3, feed.DroppedTotal);
        Assert.True(watcher.Queue.Reader.TryRead(out var first));
        first.Dropped = watcher.TakeDropped();
        using var json = JsonDocument.Parse(EventData(VerdictStream.Event(first)));
        Assert.Equal("3", json.RootElement.GetProperty("dropped").GetString());
        Assert.Equal(0UL, watcher.TakeDropped()); // reported once
    }

    [Fact]
    public void Event_IsOneVerdictEventWithOneDataLine_InTranscodingJson()
    {
        var verdict = new Verdict { RequestId = "r-1", Step = 3, Flagged = true };
        verdict.Scores.Add(new DetectorScore { Detector = Detector.Backdoor, Score = 2.5f, Threshold = 1f, Flagged = true });
        string text = VerdictStream.Event(new WatchedVerdict { ServerId = "vllm-a", Tenant = "acme", Verdict = verdict, ModelId = "llama" });
        Assert.StartsWith("event: verdict\ndata: {", text, StringComparison.Ordinal);
        Assert.EndsWith("}\n\n", text, StringComparison.Ordinal);
        Assert.Equal(3, text.Count(c => c == '\n'));
        using var json = JsonDocument.Parse(EventData(text));
        var v = json.RootElement.GetProperty("verdict");
        Assert.Equal("r-1", v.GetProperty("requestId").GetString());
        Assert.Equal("DETECTOR_BACKDOOR", v.GetProperty("scores")[0].GetProperty("detector").GetString());
        Assert.False(v.GetProperty("final").GetBoolean()); // defaults are written, as the transcoded routes write them
    }

    [Theory]
    [InlineData("backdoor", Detector.Backdoor)]
    [InlineData("DETECTOR_TOXICITY", Detector.Toxicity)]
    [InlineData("Coverage", Detector.Coverage)]
    public void Parse_DetectorByShortOrFullName(string name, Detector expected)
    {
        Assert.Null(VerdictStream.Parse(Query(("detector", name), ("flaggedOnly", "true"), ("model", "llama")), out var filter));
        Assert.Equal(expected, filter.Detector);
        Assert.True(filter.FlaggedOnly);
        Assert.Equal("llama", filter.Model);
    }

    [Fact]
    public void Parse_BadFlaggedOnly_SaysWhat()
    {
        Assert.Equal("flaggedOnly 'yes' is not true or false", VerdictStream.Parse(Query(("flaggedOnly", "yes")), out _));
    }

    [Fact]
    public void Filter_ModelMatchesIdFingerprintAnyCaseOrName_DetectorNeedsItsScore()
    {
        var flagged = new Verdict { Flagged = true };
        flagged.Scores.Add(new DetectorScore { Detector = Detector.Backdoor, Flagged = true });
        flagged.Scores.Add(new DetectorScore { Detector = Detector.Coverage });
        Assert.True(new VerdictFilter(false, "", Model: "llama").Matches(Source, "acme", flagged));
        Assert.True(new VerdictFilter(false, "", Model: "0a425c23").Matches(Source, "acme", flagged));
        Assert.True(new VerdictFilter(false, "", Model: "llama-3.2-1b").Matches(Source, "acme", flagged));
        Assert.False(new VerdictFilter(false, "", Model: "other").Matches(Source, "acme", flagged));
        Assert.True(new VerdictFilter(true, "", Detector.Backdoor).Matches(Source, "acme", flagged));
        Assert.False(new VerdictFilter(true, "", Detector.Coverage).Matches(Source, "acme", flagged)); // present, not flagged
        Assert.True(new VerdictFilter(false, "", Detector.Coverage).Matches(Source, "acme", flagged));
        Assert.False(new VerdictFilter(false, "", Detector.Toxicity).Matches(Source, "acme", flagged)); // no such score
        Assert.False(new VerdictFilter(false, "beta").Matches(Source, "acme", flagged));
    }

    private static string EventData(string text) => text.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];

    private static QueryCollection Query(params (string Key, string Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => new StringValues(p.Value)));
}
