using NeuronGuard.Daemon.Metrics;

namespace NeuronGuard.Daemon.Tests.Metrics;

/// <summary>A DaemonMetrics on which every method has been called once, so every metric has a series.</summary>
internal static class DaemonMetricsFixture
{
    public static DaemonMetrics Exercised()
    {
        var m = new DaemonMetrics(new MetricsOptions());
        var t = m.ForTenant("acme");
        t.RequestStarted();
        t.Frame(3, 24);
        t.Flagged("toxicity", "toxicity-experts");
        t.Flagged("coverage", "");
        t.Score("toxicity", 4.2);
        t.Score("backdoor", 812, 40, "req-17");
        t.Mitigated("toxicity-experts", "on_flag");
        t.RequestEnded("flagged");
        m.ObserveVerdictLatency(0.0003);
        m.ObserveVerdictLatency(0.0004, "req-17");
        m.DroppedMessage("verdict");
        m.StreamError("out_of_order");
        m.ModelServerConnected("vllm-0");
        m.ModelServerPolicyVersion("vllm-0", 7);
        m.SetPolicy(7, [("toxicity-experts", "", Api.V1.MitigationMode.OnFlag, 0.8)]);
        m.SetStoreHealth("serving", up: true);
        m.ActiveRequests(1);
        m.GrpcCall("neuronguard.v1.Control", "SetMitigation", "OK", 0.002);
        m.AuthFailure("UNAUTHENTICATED");
        m.IntegrityAlarm("safety-neurons", on: false);
        m.Neuron("0123abcd", "toxicity-experts", 3, 17, 0.25f).Observe(0.5f);
        return m;
    }
}
