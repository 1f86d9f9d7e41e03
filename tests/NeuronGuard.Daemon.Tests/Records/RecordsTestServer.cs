using System.Net;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Auth;
using NeuronGuard.Daemon.Records;
using Grpc.Core;
using Grpc.Net.Client;
using NeuronGuard.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace NeuronGuard.Daemon.Tests.Records;

/// <summary>Catalogs and Baselines over a real gRPC server on an embedded store in a temp directory, behind auth.</summary>
internal sealed class RecordsTestServer : IAsyncDisposable
{
    public static readonly string OperatorToken = TokenHasher.NewToken();
    public static readonly string ViewerToken = TokenHasher.NewToken();

    private readonly TestGrpcServer _host;
    private readonly string _dir;

    private RecordsTestServer(TestGrpcServer host, IStore store, string dir)
    {
        _host = host;
        Store = store;
        _dir = dir;
    }

    public IStore Store { get; }

    public int Port => _host.Port;

    public string Address => $"http://127.0.0.1:{Port}";

    public static async Task<RecordsTestServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("ng-records-").FullName;
        var store = await StoreFactory.OpenAsync(new StoreOptions { DataDirectory = dir, Embedded = new EmbeddedStoreOptions { Durable = false } });
        var auth = new Authenticator(new AuthOptions
        {
            Tokens =
            {
                new TokenEntry { Name = "ops", Hash = TokenHasher.Hash(OperatorToken), Roles = ["operator"] },
                new TokenEntry { Name = "watcher", Hash = TokenHasher.Hash(ViewerToken), Roles = ["viewer"] },
            },
        }, listenerIsLoopback: true);
        var host = await TestGrpcServer.StartAsync(services =>
        {
            services.AddSingleton(new CatalogsService(store));
            services.AddSingleton(new BaselinesService(store));
            services.AddNeuronGuardAuth(auth, _ => { });
        }, app =>
        {
            app.UseNeuronGuardAuth();
            app.MapGrpcService<CatalogsService>();
            app.MapGrpcService<BaselinesService>();
        });
        return new RecordsTestServer(host, store, dir);
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress(Address);

    public static CallOptions As(string token) =>
        new(headers: new Metadata { { "authorization", $"Bearer {token}" } }, deadline: DateTime.UtcNow.AddSeconds(60));

    /// <summary>A small valid catalog: a toxicity set of 3 neurons with AUROCs and a backdoor set of 2.</summary>
    public static Catalog SampleCatalog(string fingerprint = "abc123", string version = "v1") => new()
    {
        ModelFingerprint = fingerprint,
        Layers = 4,
        NeuronsPerLayer = 64,
        Version = version,
        Sets =
        {
            new NeuronSet
            {
                Name = "toxicity", Kind = NeuronSetKind.Toxicity,
                Provenance = new Provenance { Method = "aura-auroc", Data = "test", Date = "2025-01-01" },
                Neurons =
                {
                    new CatalogNeuron { Neuron = new NeuronRef { Layer = 1, Index = 3 }, Score = 0.9f, Gain = 0.2f },
                    new CatalogNeuron { Neuron = new NeuronRef { Layer = 2, Index = 7 }, Score = 0.8f },
                    new CatalogNeuron { Neuron = new NeuronRef { Layer = 3, Index = 60 }, Score = 0.75f },
                },
            },
            new NeuronSet
            {
                Name = "backdoor", Kind = NeuronSetKind.Backdoor,
                Neurons =
                {
                    new CatalogNeuron { Neuron = new NeuronRef { Layer = 0, Index = 1 } },
                    new CatalogNeuron { Neuron = new NeuronRef { Layer = 0, Index = 2 } },
                },
            },
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
