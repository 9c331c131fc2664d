using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Metrics.Storage;
using Microsoft.Extensions.Options;

namespace Metrics.Query.Blobs;

/// <summary>
/// Signs blob URLs for a short time, so an <c>&lt;img src&gt;</c> or <c>&lt;audio src&gt;</c> works without an
/// Authorization header: <c>/api/v1/blobs/{key}?signature=&lt;project id&gt;.&lt;expiry&gt;.&lt;HMAC-SHA256&gt;</c>, the HMAC
/// over the blob key, the project and the expiry (unix seconds) with a server secret. A signature opens
/// that one blob, in that project, until it expires; nothing else.
/// </summary>
internal sealed class BlobUrlSigner
{
    private readonly byte[] _key;
    private readonly long _ttlSeconds;
    private readonly TimeProvider _time;

    public BlobUrlSigner(IOptions<BlobUrlOptions> options, IOptions<TokenOptions> tokens, TimeProvider time)
    {
        var secret = options.Value.Secret is { Length: > 0 } own ? own : tokens.Value.Pepper;
        // A key of its own even when derived from the pepper: a blob signature never says anything about token hashes.
        _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), "metrics blob urls v1"u8);
        _ttlSeconds = options.Value.TtlSeconds;
        _time = time;
    }

    /// <summary>The signed URL of <paramref name="blobKey"/> for <paramref name="projectId"/> and when it stops working (unix seconds).</summary>
    public (string Url, long ExpiresAt) Sign(string blobKey, long projectId)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var expires = (now + _ttlSeconds + 59) / 60 * 60;
        var signature = projectId.ToString(CultureInfo.InvariantCulture) + "." + expires.ToString(CultureInfo.InvariantCulture) + "." + Mac(blobKey, projectId, expires);
        return ($"{QueryApiEndpointExtensions.Prefix}/blobs/{blobKey}?signature={signature}", expires);
    }

    /// <summary>The project a valid, unexpired <paramref name="signature"/> of <paramref name="blobKey"/> opens and until when (unix seconds), or why not.</summary>
    public (long ProjectId, long ExpiresAt, string? Refusal) Check(string blobKey, string signature)
    {
        var parts = signature.Split('.');
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var projectId)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(parts[2]), Encoding.ASCII.GetBytes(Mac(blobKey, projectId, expires))))
        {
            return (0, 0, "The signature is not valid for this blob.");
        }

        return _time.GetUtcNow().ToUnixTimeSeconds() >= expires
            ? (0, 0, "The signed URL has expired; list the blobs again for a fresh one.")
            : (projectId, expires, null);
    }

    private string Mac(string blobKey, long projectId, long expires)
    {
        var payload = Encoding.UTF8.GetBytes(blobKey + "\n" + projectId.ToString(CultureInfo.InvariantCulture) + "\n" + expires.ToString(CultureInfo.InvariantCulture));
        return Convert.ToBase64String(HMACSHA256.HashData(_key, payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
