using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NeuronGuard.Daemon.Tests.Auth;

/// <summary>A throw-away CA and the server and client certificates it issues, for mutual-TLS tests.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A leaf for "localhost" and 127.0.0.1 (<paramref name="serverAuth"/>) or a client (client-auth EKU).</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        // Kestrel and SslStream need the key attached and exportable on Linux: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Writes the CA and the server's certificate and key as the daemon's TlsClientCa, TlsCertificate, TlsKey.</summary>
    public static (string Ca, string Certificate, string Key) WritePem(string dir, X509Certificate2 ca, X509Certificate2 server)
    {
        string caPem = Path.Combine(dir, "ca.pem"), certPem = Path.Combine(dir, "server.pem"), keyPem = Path.Combine(dir, "server.key");
        File.WriteAllText(caPem, ca.ExportCertificatePem());
        File.WriteAllText(certPem, server.ExportCertificatePem());
        File.WriteAllText(keyPem, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return (caPem, certPem, keyPem);
    }
}
