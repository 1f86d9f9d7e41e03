using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.Extensions.DependencyInjection;

namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// The "Certificate" authentication scheme (Microsoft.AspNetCore.Authentication.Certificate) beside the bearer one. A
/// client certificate that chains to TlsClientCa (the same rules as the TLS handshake: that CA only, the client-auth EKU
/// when EKUs are listed, no revocation check) becomes an identity named "cert:" + its common name. It carries no role:
/// bearer tokens decide roles (or the no-token rule), as before; the certificate names the caller when no token does.
/// </summary>
public static class ClientCertificateScheme
{
    public const string SchemeName = CertificateAuthenticationDefaults.AuthenticationScheme;

    /// <summary>Prefix of a caller named by its certificate ("cert:vllm-a"), so it cannot be taken for a token name.</summary>
    public const string CallerPrefix = "cert:";

    /// <summary>Registers the scheme trusting only the CA certificates in <paramref name="caPemFile"/>.</summary>
    /// <exception cref="AuthConfigurationException">The file is missing or holds no PEM certificate.</exception>
    public static AuthenticationBuilder AddNeuronGuardClientCertificates(this AuthenticationBuilder builder, string caPemFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var roots = ClientCertificates.LoadCa(caPemFile);
        // A chain is built once per certificate and cache period, not once per call.
        builder.AddCertificateCache();
        return builder.AddCertificate(SchemeName, o =>
        {
            o.AllowedCertificateTypes = CertificateTypes.Chained;
            o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
            o.CustomTrustStore = roots;
            o.RevocationMode = X509RevocationMode.NoCheck;
            o.ValidateCertificateUse = true;
            o.ValidateValidityPeriod = true;
            o.Events = new CertificateAuthenticationEvents
            {
                OnCertificateValidated = context =>
                {
                    var name = CallerPrefix + context.ClientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName));
                    context.Success();
                    return Task.CompletedTask;
                },
            };
        });
    }

    /// <summary>The certificate's caller name in <paramref name="user"/>, or null when no certificate authenticated.</summary>
    public static string? Caller(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identities.FirstOrDefault(i => i is { IsAuthenticated: true, AuthenticationType: SchemeName })?.Name;
    }
}
