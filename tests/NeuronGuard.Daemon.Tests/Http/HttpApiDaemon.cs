using System.Net.Http.Headers;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Metrics;
using NeuronGuard.Daemon.Tests.Infrastructure;
using NeuronGuard.ModelServer;

namespace NeuronGuard.Daemon.Tests.Http;

/// <summary>
/// One real daemon with the built-in model and three tokens (the host's ingest token, operator "alice", viewer "bob"),
/// its admin listener on a loopback port 0: the HTTP API as curl and the console reach it. Tests write under tenants
/// of their own.
/// </summary>
public sealed class HttpApiDaemon : SharedDaemon
{
    public static readonly string Ingest = TokenHasher.NewToken();
    public static readonly string Operator = TokenHasher.NewToken();
    public static readonly string Viewer = TokenHasher.NewToken();

    /// <summary>The admin listener's base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Admin => new(Daemon.MetricsAddress!, "/");

    protected override Task<DaemonHost> StartAsync(string dataDir)
    {
        var options = new DaemonOptions
        {
            Listen = "127.0.0.1:0", DataDir = dataDir, LogLevel = "Warning", BuiltinHostToken = Ingest,
            Metrics = new MetricsOptions { Listen = "127.0.0.1:0" },
        };
        options.Auth.Tokens.Add(new TokenEntry { Name = "model-server", Hash = TokenHasher.Hash(Ingest), Roles = ["ingest"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "alice", Hash = TokenHasher.Hash(Operator), Roles = ["operator"] });
        options.Auth.Tokens.Add(new TokenEntry { Name = "bob", Hash = TokenHasher.Hash(Viewer), Roles = ["viewer"] });
        return ServeHost.StartAsync(options);
    }

    /// <summary>A client of the admin listener sending <paramref name="token"/> (none when null).</summary>
    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = Admin, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }
}
