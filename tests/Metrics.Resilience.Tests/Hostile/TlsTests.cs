using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Metrics.Bench.Soak;
using Metrics.Client;
using Metrics.Contracts.V1;
using Metrics.Resilience.Tests.Support;
using Metrics.Storage.Chunks;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>
/// TLS end to end: ingest and query serve a self-signed certificate (METRICS_TLS_CERT/KEY); the
/// SDK writes over https trusting exactly that certificate, the query API answers over https, and
/// clients that do not trust it, or speak cleartext, get nothing through.
/// </summary>
public sealed class TlsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WriteAndQuery_OverTlsWithSelfSignedCertificate_DataFlowsAndUntrustedClientsFail()
    {
        var work = Stack.WorkDirectory("tls");
        using var certificate = SelfSigned(work, out var certPath, out var keyPath);
        var tls = new Dictionary<string, string> { ["METRICS_TLS_CERT"] = certPath, ["METRICS_TLS_KEY"] = keyPath };
        await using var services = await Stack.StartAsync("tls", environment: new Dictionary<string, IReadOnlyDictionary<string, string>> { ["ingest"] = tls, ["query"] = tls });
        var ingestUrl = new Uri("https://localhost:" + services.IngestGrpcPorts[0].ToString(CultureInfo.InvariantCulture));

        using var trusting = new SocketsHttpHandler { SslOptions = TrustedCertificate.ClientOptions(certificate) };
        const int points = 2000;
        await using (var writer = new SummaryWriter(new SummaryWriterOptions
        {
            Server = ingestUrl,
            Token = services.WriteToken,
            RunName = "tls/run",
            WriterId = "tls-writer",
            HttpHandler = trusting,
            JournalDirectory = Path.Combine(work, "journal"),
        }))
        {
            for (var step = 0; step < points; step++)
            {
                writer.AddScalar("loss", step * 0.25, step);
            }

            var closed = await writer.CloseAsync();
            Assert.True(closed.Complete, "not all batches were acknowledged over TLS: " + closed + " fault: " + writer.Statistics.Fault);
        }

        await using (var count = services.DataSource.CreateCommand(
            "SELECT s.series_id FROM series s JOIN runs r USING (run_id) WHERE r.name = 'tls/run'"))
        {
            var stored = new List<ScalarChunkPoint>();
            await using var reader = await count.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stored.AddRange(await ScalarChunkReads.ReadPointsAsync(services.DataSource, reader.GetInt64(0), long.MinValue, long.MaxValue, CancellationToken.None));
            }

            Assert.Equal(points, stored.Count);
            Assert.Equal(Enumerable.Range(0, points).Sum(s => s * 0.25), stored.Sum(p => p.Value));
        }

        // The query API over https, trusting the same certificate.
        using (var https = new HttpClient(new SocketsHttpHandler { SslOptions = TrustedCertificate.ClientOptions(certificate) }) { BaseAddress = new Uri("https://localhost:" + services.Query!.HttpPort.ToString(CultureInfo.InvariantCulture)) })
        {
            https.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", services.ReadToken);
            var page = JsonDocument.Parse(await https.GetStringAsync(new Uri("/api/v1/projects/soak/runs?prefix=tls/", UriKind.Relative)));
            Assert.Equal(["tls/run"], page.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

            // Cleartext to the TLS port is refused.
            using var plain = new HttpClient { BaseAddress = new Uri("http://localhost:" + services.Query.HttpPort.ToString(CultureInfo.InvariantCulture)) };
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri("/health/ready", UriKind.Relative)));
        }

        // A client that trusts only the system store, and one that speaks h2c, get no call through.
        var headers = new Metadata { { "authorization", "Bearer " + services.WriteToken } };
        var request = new OpenRunRequest { RunName = "tls/untrusted", WriterId = "w" };
        using (var untrusted = GrpcChannel.ForAddress(ingestUrl))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => new IngestClient(untrusted).OpenRunAsync(request, headers).ResponseAsync);
            output.WriteLine("untrusted certificate: " + e.Status.StatusCode + " " + e.Status.DebugException?.GetBaseException().Message);
            Assert.True(e.StatusCode is StatusCode.Unavailable or StatusCode.Internal, e.Status.ToString());
            var causes = new List<Exception>();
            for (var cause = e.Status.DebugException; cause is not null; cause = cause.InnerException)
            {
                causes.Add(cause);
            }

            Assert.Contains(causes, c => c is System.Security.Authentication.AuthenticationException);
        }

        using (var cleartext = GrpcChannel.ForAddress("http://localhost:" + services.IngestGrpcPorts[0].ToString(CultureInfo.InvariantCulture)))
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => new IngestClient(cleartext).OpenRunAsync(request, headers).ResponseAsync);
            output.WriteLine("cleartext h2c to the TLS port: " + e.Status.StatusCode);
            Assert.NotEqual(StatusCode.OK, e.StatusCode);
        }

        await using var runs = services.DataSource.CreateCommand("SELECT count(*) FROM runs WHERE name = 'tls/untrusted'");
        Assert.Equal(0L, (long)(await runs.ExecuteScalarAsync())!);
        output.WriteLine($"TLS: {points} points written by the SDK over https and read back; query over https; untrusted and cleartext clients refused");
    }

    /// <summary>A self-signed server certificate for localhost and 127.0.0.1, written as PEM files.</summary>
    private static X509Certificate2 SelfSigned(string directory, out string certPath, out string keyPath)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        certPath = Path.Combine(directory, "tls.crt");
        keyPath = Path.Combine(directory, "tls.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}
