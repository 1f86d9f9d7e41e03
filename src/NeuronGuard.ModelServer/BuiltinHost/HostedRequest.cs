using System.Threading.Channels;
using NeuronGuard.Api.V1;

namespace NeuronGuard.ModelServer.BuiltinHost;

/// <summary>
/// What the stream reader hands one running request: its daemon messages in arrival order (null = the stream
/// broke). The generating loop drains the inbox between steps, so all request state below is touched by that
/// loop only; the reader only writes to the inbox.
/// </summary>
internal sealed class HostedRequest(string id, SlotPlan plan, TelemetryConnection? connection)
{
    public string Id { get; } = id;

    public SlotPlan Plan { get; } = plan;

    /// <summary>The stream this request was started on (null when unmonitored); the reader routes only its messages here.</summary>
    public TelemetryConnection? StartedOn { get; } = connection;

    /// <summary>The stream this request still sends on; null once it broke (or from the start when unmonitored).</summary>
    public TelemetryConnection? Connection { get; set; } = connection;

    public Channel<DaemonMessage?> Inbox { get; } = Channel.CreateUnbounded<DaemonMessage?>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Request-scoped gains by slot (1 = untouched), from the latest non-shadow Attenuate.</summary>
    public float[] RequestGains { get; } = Filled(plan.Count);

    /// <summary>Slots the latest shadow Attenuate would have changed.</summary>
    public int ShadowCount { get; set; }

    public string? AbortReason { get; set; }

    /// <summary>Prompt positions the daemon asked to mask attention to (MaskAttention), ascending; they only grow.</summary>
    public SortedSet<int> MaskedPositions { get; } = [];

    public Verdict? LatestVerdict { get; set; }

    public Verdict? FinalVerdict { get; set; }

    public List<string> Errors { get; } = [];

    public static float[] Filled(int n)
    {
        var a = new float[n];
        Array.Fill(a, 1f);
        return a;
    }
}

/// <summary>Gains for every request of one plan (an Attenuate with global = true), with a version to notice changes.</summary>
internal sealed record GlobalGains(SlotPlan Plan, float[] Gains, int ShadowCount, long Version);
