using System.Globalization;
using System.Text.Json.Nodes;
using Metrics.Query.Errors;

namespace Metrics.Query.Runs;

/// <summary>
/// hparam.&lt;name&gt;=&lt;value&gt; query parameters, as one jsonb object {name: [accepted JSON values]}:
/// "0.01" matches the number 0.01 or the string "0.01"; "true" the boolean or the string.
/// </summary>
internal static class HparamFilter
{
    public const string Prefix = "hparam.";

    public static string? Parse(IQueryCollection query)
    {
        var filter = new JsonObject();
        foreach (var (key, values) in query)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = key[Prefix.Length..];
            // NUL cannot be stored in jsonb: refuse it here rather than fail in the database.
            if (name.Length is 0 or > 256 || values.Count != 1 || values[0] is not { Length: <= 1024 } value
                || name.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw QueryProblemException.BadParameter(key, "hparam filters are hparam.<name>=<value>, each name once, names up to 256 and values up to 1024 characters, without NUL");
            }

            var accepted = new JsonArray { JsonValue.Create(value) };
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                accepted.Add(JsonValue.Create(number));
            }
            else if (bool.TryParse(value, out var flag))
            {
                accepted.Add(JsonValue.Create(flag));
            }

            filter[name] = accepted;
        }

        return filter.Count == 0 ? null : filter.ToJsonString();
    }
}
