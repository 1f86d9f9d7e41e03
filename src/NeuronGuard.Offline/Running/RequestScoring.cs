using NeuronGuard.Engine.Scoring;

namespace NeuronGuard.Offline.Running;

/// <summary>Feeds a captured request to a scorer frame by frame, as the live stream would.</summary>
public static class RequestScoring
{
    public static void Feed(RequestScorer scorer, CapturedRequest request)
    {
        var values = request.Values();
        int offset = 0;
        foreach (var (first, steps) in request.Frames)
        {
            int n = steps * request.Slots;
            var status = scorer.Feed(first, steps, values.AsSpan(offset, n));
            if (status != FrameStatus.Ok)
            {
                throw new InvalidOperationException($"the scorer refused frame at step {first} ({steps} steps): {status}.");
            }
            offset += n;
        }
    }
}
