using System.Globalization;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// TensorBoard blob keys: "&lt;project id&gt;.&lt;SHA-256 hex&gt;", URL-safe as TensorBoard requires.
/// Blobs are content addressed; the project id lets ReadBlob check, as GET /blobs does, that a run
/// of a served project references the blob (TensorBoard sends no experiment with ReadBlob).
/// </summary>
internal static class BlobKeys
{
    public static string Format(long projectId, byte[] sha256) =>
        projectId.ToString(CultureInfo.InvariantCulture) + "." + Convert.ToHexStringLower(sha256);

    public static bool TryParse(string key, out long projectId, out byte[] sha256)
    {
        (projectId, sha256) = (0, []);
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot < 1 || key.Length - dot - 1 != 64
            || !long.TryParse(key.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out projectId)
            || !key.AsSpan(dot + 1).ContainsOnlyLowerHex())
        {
            return false;
        }

        sha256 = Convert.FromHexString(key.AsSpan(dot + 1));
        return true;
    }

    private static bool ContainsOnlyLowerHex(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }
}
