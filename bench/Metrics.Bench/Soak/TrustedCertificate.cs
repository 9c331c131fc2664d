using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Metrics.Bench.Soak;

/// <summary>TLS client settings that trust exactly one (self-signed) certificate as the root, with the usual name and date checks.</summary>
public static class TrustedCertificate
{
    public static SslClientAuthenticationOptions ClientOptions(X509Certificate2 trusted)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(trusted);
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
