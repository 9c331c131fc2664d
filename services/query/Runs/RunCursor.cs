using System.Text;
using System.Text.Json;
using Metrics.Query.Errors;

namespace Metrics.Query.Runs;

/// <summary>
/// The opaque page cursor: the sort and the last row's (key, run_id), base64url JSON. It names a
/// position, not an offset, so rows inserted meanwhile neither repeat nor hide others.
/// </summary>
internal sealed record RunCursor(string Sort, string? Name, long? LastWriteTicks, long RunId)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Encode() =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this, Json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static RunCursor? Decode(string? cursor, RunSort sort)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        RunCursor? decoded;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            decoded = JsonSerializer.Deserialize<RunCursor>(Convert.FromBase64String(base64), Json);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException or DecoderFallbackException)
        {
            throw QueryProblemException.BadParameter("cursor", "cursor is not a cursor this API returned");
        }

        var valid = decoded is not null && decoded.Sort == sort.Name && sort.Key switch
        {
            RunSortKey.Name => decoded.Name is not null,
            RunSortKey.LastWrite => decoded.LastWriteTicks is > 0 and < 3155378975999999999,
            _ => true,
        };
        return valid
            ? decoded
            : throw QueryProblemException.BadParameter("cursor", "cursor is not a cursor this API returned for sort '" + sort.Name + "'");
    }
}
