using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Client;

/// <summary>
/// The typed clients of one daemon over one <see cref="DaemonChannel"/>, with the bearer token added to every call:
/// <see cref="Control"/>, <see cref="Catalogs"/> and <see cref="Baselines"/> for operators (what ctl speaks),
/// <see cref="Telemetry"/> and <see cref="Inference"/> for model servers (what a host speaks).
/// </summary>
public sealed class DaemonClient : IDisposable
{
    private DaemonClient(GrpcChannel channel, CallInvoker invoker)
    {
        Channel = channel;
        Control = new Control.ControlClient(invoker);
        Catalogs = new Catalogs.CatalogsClient(invoker);
        Baselines = new Baselines.BaselinesClient(invoker);
        Telemetry = new Telemetry.TelemetryClient(invoker);
        Inference = new Inference.InferenceClient(invoker);
    }

    public GrpcChannel Channel { get; }

    public Control.ControlClient Control { get; }

    public Catalogs.CatalogsClient Catalogs { get; }

    public Baselines.BaselinesClient Baselines { get; }

    public Telemetry.TelemetryClient Telemetry { get; }

    public Inference.InferenceClient Inference { get; }

    /// <summary>Clients of the daemon at <paramref name="address"/> (http:// or https://); <paramref name="token"/> may be null.</summary>
    public static DaemonClient Connect(Uri address, string? token = null, RemoteCertificateValidationCallback? serverCertificateValidation = null,
        X509Certificate2? clientCertificate = null)
    {
        var channel = DaemonChannel.Create(address, serverCertificateValidation, clientCertificate);
        var bearer = DaemonChannel.Bearer(token);
        CallInvoker invoker = bearer is null ? channel.CreateCallInvoker() : channel.Intercept(headers => AddAll(headers, bearer));
        return new DaemonClient(channel, invoker);
    }

    private static Metadata AddAll(Metadata headers, Metadata bearer)
    {
        foreach (var entry in bearer)
        {
            if (headers.Get(entry.Key) is null)
            {
                headers.Add(entry);
            }
        }
        return headers;
    }

    public void Dispose() => Channel.Dispose();
}
