using NeuronGuard.Api.V1;
using Grpc.Core;

namespace NeuronGuard.Daemon.Tests.Telemetry;

/// <summary>
/// Strings a client sends and the daemon would keep (ids, tenants, labels) are bounded: past the limit the request is
/// refused with INVALID_ARGUMENT, nothing is kept, and the stream goes on serving.
/// </summary>
[Collection(TelemetryDaemonCollection.Name)]
public sealed class StreamLimitsTests(TelemetryDaemon d)
{
    [Fact]
    public async Task RequestStart_IdOver256Characters_InvalidArgumentNotEchoed()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync(new string('r', 257));
        var error = (await s.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error;
        Assert.Contains("request_id is 257 characters long; the limit is 256", error.Message);
        await HealthyRequestAsync(s, "after-long-id");
    }

    [Fact]
    public async Task RequestStart_TenantOver128Characters_InvalidArgument()
    {
        await using var s = await ConnectedAsync();
        await s.StartAsync("big-tenant", tenant: new string('t', 129));
        Assert.Contains("tenant is 129 characters", (await s.ExpectErrorAsync("big-tenant", StatusCode.InvalidArgument)).Error.Message);
        // Not started: its frames are for an unknown request.
        await s.FrameAsync("big-tenant", 0, 1, d.Frame(1));
        await s.ExpectErrorAsync("big-tenant", StatusCode.NotFound);
        await HealthyRequestAsync(s, "after-big-tenant");
    }

    [Fact]
    public async Task RequestStart_LabelValueOver256Characters_InvalidArgument()
    {
        await using var s = await ConnectedAsync();
        var start = new RequestStart { RequestId = "big-label" };
        start.Labels.Add("user", new string('x', 1 << 20));
        await s.SendAsync(new ModelServerMessage { RequestStart = start });
        Assert.Contains("label 'user' has a value of 1048576 characters; the limit is 256",
            (await s.ExpectErrorAsync("big-label", StatusCode.InvalidArgument)).Error.Message);
        await HealthyRequestAsync(s, "after-big-label");
    }

    [Fact]
    public async Task RequestStart_ThirtyThreeLabels_InvalidArgument()
    {
        await using var s = await ConnectedAsync();
        var start = new RequestStart { RequestId = "many-labels" };
        for (int i = 0; i < 33; i++)
        {
            start.Labels.Add("k" + i, "v");
        }
        await s.SendAsync(new ModelServerMessage { RequestStart = start });
        Assert.Contains("33 labels; the limit is 32", (await s.ExpectErrorAsync("many-labels", StatusCode.InvalidArgument)).Error.Message);
        await HealthyRequestAsync(s, "after-many-labels");
    }

    [Fact]
    public async Task Hello_ServerIdOver256Characters_IgnoredWithInvalidArgument()
    {
        await using var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, serverId: new string('s', 3 << 20 >> 4));
        Assert.Contains("server_id is", (await s.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error.Message);
        // The stream is still unintroduced; a proper Hello is welcomed.
        await s.HelloAsync(d.Fingerprint, serverId: "short");
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        await HealthyRequestAsync(s, "after-long-server-id");
    }

    [Fact]
    public async Task RequestStart_MangledUtf8Id_InvalidArgument()
    {
        await using var s = await ConnectedAsync();
        // Google.Protobuf 3.36 refuses invalid UTF-8 when parsing (the message never reaches the session); an older
        // decoder or another peer's turns it into U+FFFD, which the daemon refuses rather than keep a mangled id.
        Assert.Throws<Google.Protobuf.InvalidProtocolBufferException>(() => RequestStart.Parser.ParseFrom([0x0A, 0x03, (byte)'a', 0xFF, (byte)'b']));
        await s.StartAsync("a\uFFFDb");
        Assert.Contains("not valid UTF-8", (await s.ExpectErrorAsync("", StatusCode.InvalidArgument)).Error.Message);
        await HealthyRequestAsync(s, "after-bad-utf8");
    }

    private async Task<RawModelServer> ConnectedAsync()
    {
        var s = new RawModelServer(d.Channel);
        await s.HelloAsync(d.Fingerprint, "limits");
        await s.ExpectAsync(m => m.Welcome is not null, "Welcome");
        return s;
    }

    private async Task HealthyRequestAsync(RawModelServer s, string id)
    {
        await s.StartAsync(id);
        await s.FrameAsync(id, 0, 4, d.Frame(4));
        Assert.False((await s.ExpectVerdictAsync(id)).Flagged);
        await s.EndAsync(id);
        Assert.True((await s.ExpectVerdictAsync(id, final: true)).Final);
    }
}
