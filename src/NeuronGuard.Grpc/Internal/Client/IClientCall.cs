namespace NeuronGuard.Grpc.Internal.Client;

/// <summary>What the public call objects need from a call, whatever its message types.</summary>
internal interface IClientCall : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
