using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// Mutual TLS on the listener: client certificates must chain to the configured CA (settings TlsClientCa,
/// TlsRequireClientCertificate). Only that CA is trusted, not the machine's store, so a certificate from any
/// public CA is refused.
/// </summary>
public static class ClientCertificates
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>Asks for (or, with <paramref name="require"/>, demands) a client certificate issued by the CA in <paramref name="caPemFile"/>.</summary>
    public static void Configure(HttpsConnectionAdapterOptions options, string caPemFile, bool require)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ClientCertificateMode = require ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
        options.ClientCertificateValidation = CreateValidator(caPemFile);
    }

    /// <summary>The validation callback alone, e.g. for <c>GrpcKestrelExtensions.ListenGrpc(..., validateClientCertificate:)</c>.</summary>
    public static Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool> CreateValidator(string caPemFile)
    {
        var roots = LoadCa(caPemFile);
        return (certificate, _, _) => Validate(certificate, roots);
    }

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> and may be used for client auth.</summary>
    public static bool Validate(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // No CRL/OCSP endpoints exist for a private sidecar CA; rotate the CA or the certificates to revoke.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        return chain.Build(certificate);
    }

    internal static X509Certificate2Collection LoadCa(string caPemFile)
    {
        if (!File.Exists(caPemFile))
        {
            throw new AuthConfigurationException($"TlsClientCa '{caPemFile}' does not exist: give the PEM file of the CA that issues client certificates.");
        }
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caPemFile);
        }
        catch (CryptographicException e)
        {
            throw new AuthConfigurationException($"TlsClientCa '{caPemFile}' is not a PEM certificate file ({e.Message}): give the CA certificate in PEM (-----BEGIN CERTIFICATE-----).");
        }
        if (roots.Count == 0)
        {
            throw new AuthConfigurationException($"TlsClientCa '{caPemFile}' holds no certificate: give the CA certificate in PEM (-----BEGIN CERTIFICATE-----).");
        }
        return roots;
    }
}
