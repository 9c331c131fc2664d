using System.Text.RegularExpressions;

namespace Metrics.LocalStack;

/// <summary>
/// Reads the line a Metrics service prints for each endpoint once Kestrel has bound it
/// (src/Metrics.ServiceDefaults, ServiceEndpoints): "metrics-ingest: grpc listening on http://127.0.0.1:40123".
/// That is how a service started on port 0 tells its harness the port it got.
/// </summary>
public static partial class ServiceEndpointLine
{
    /// <summary>The endpoint name and address of <paramref name="line"/>, or false when it is another line.</summary>
    public static bool TryParse(string line, out string name, out Uri address)
    {
        ArgumentNullException.ThrowIfNull(line);
        var match = Pattern().Match(line);
        if (match.Success && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var parsed))
        {
            name = match.Groups["name"].Value;
            address = parsed;
            return true;
        }

        name = "";
        address = null!;
        return false;
    }

    [GeneratedRegex(@"^[\w.-]+: (?<name>[a-z]+) listening on (?<url>https?://\S+)$")]
    private static partial Regex Pattern();
}
