namespace NeuronGuard.Daemon.Http;

/// <summary>
/// Endpoint metadata marking a route of the HTTP/JSON API, with the name its denials and logs use
/// (e.g. "GET /v1/policy (neuronguard.v1.Control/GetPolicy)"). <see cref="HttpApiGate"/> serves such routes only on
/// the admin listener; the authorization result handler answers them with HTTP statuses instead of gRPC ones.
/// </summary>
public sealed class HttpApiEndpoint(string name)
{
    public string Name { get; } = name;
}
