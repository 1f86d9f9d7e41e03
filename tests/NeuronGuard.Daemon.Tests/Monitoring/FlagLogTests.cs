using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Monitoring;

namespace NeuronGuard.Daemon.Tests.Monitoring;

/// <summary>`ctl flagged` lists a request once (issue 24 item 10), however many detectors flagged it.</summary>
public sealed class FlagLogTests
{
    private static FlaggedRequest Flag(string id, string server, string detector, long at) => new()
    {
        RequestId = id, ServerId = server, FlaggedAtUnixMs = at,
        Scores = { new DetectorScore { Detector = detector == "backdoor" ? Detector.Backdoor : Detector.Coverage, Flagged = true } },
    };

    [Fact]
    public void Latest_RequestFlaggedBySecondDetector_ListedOnceWithItsNewestEntry()
    {
        var log = new FlagLog(16);
        log.Add(Flag("r1", "s1", "coverage", 1));
        log.Add(Flag("r2", "s1", "coverage", 2));
        log.Add(Flag("r1", "s1", "backdoor", 3)); // a second detector flags r1 later
        log.Add(Flag("r1", "s2", "coverage", 4)); // the same id from another server is another request

        var latest = log.Latest(10, null);

        Assert.Equal(["r1@s2", "r1@s1", "r2@s1"], latest.Select(r => $"{r.RequestId}@{r.ServerId}"));
        Assert.Equal(3, latest.Single(r => r.RequestId == "r1" && r.ServerId == "s1").FlaggedAtUnixMs);
        Assert.Equal(2, log.Latest(2, null).Count);
    }
}
