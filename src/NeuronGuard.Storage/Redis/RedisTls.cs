using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace NeuronGuard.Storage.Redis;

/// <summary>
/// Server certificate validation: against <see cref="RedisStoreOptions.TlsCaFile"/> when it is set (only that CA
/// is trusted), else the system's. Validating here, rather than through the client's TrustIssuer, lets the store
/// record why a handshake was refused the moment it happens, so the first failed call can already say so.
/// </summary>
internal static class RedisTls
{
    public static void Configure(ConfigurationOptions config, RedisStoreOptions options, Action<string> onRejected)
    {
        X509Certificate2Collection? roots = null;
        if (options.TlsCaFile is { } caFile)
        {
            if (!File.Exists(caFile))
            {
                throw new ArgumentException($"Store:Redis:TlsCaFile '{caFile}' does not exist; give the PEM file of the CA that issued the Redis server's certificate", nameof(options));
            }
            roots = [];
            roots.ImportFromPemFile(caFile);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"Store:Redis:TlsCaFile '{caFile}' holds no PEM certificate", nameof(options));
            }
        }
        config.CertificateValidation += (_, certificate, _, errors) =>
        {
            var detail = "";
            if (roots is not null && certificate is not null)
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
                if (!chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())))
                {
                    errors |= SslPolicyErrors.RemoteCertificateChainErrors;
                    detail = $" ({string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))})";
                }
            }
            if (errors != SslPolicyErrors.None)
            {
                var trusted = options.TlsCaFile is null ? "the system's CAs" : $"the CA in Store:Redis:TlsCaFile ({options.TlsCaFile})";
                onRejected($"TLS: the server certificate '{certificate?.Subject}' was refused: {errors}{detail}; it must be issued by {trusted} " +
                    $"for the name {options.TlsHost ?? "of the endpoint"} (Store:Redis:TlsHost)");
            }
            return errors == SslPolicyErrors.None;
        };
    }
}
