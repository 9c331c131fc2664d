using System.Text.RegularExpressions;

namespace Metrics.Deploy.Tests.Support;

/// <summary>The gRPC path prefixes ("/package.Service/") the ingest service answers.</summary>
internal static partial class ProtoServices
{
    /// <summary>The standard gRPC health service, which ingest implements beside its own API.</summary>
    public const string HealthService = "/grpc.health.v1.Health/";

    public static IReadOnlySet<string> Load(string root)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal) { HealthService };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "proto", "metrics"), "*.proto", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            var package = PackagePattern().Match(text).Groups["name"].Value;
            foreach (Match service in ServicePattern().Matches(text))
            {
                paths.Add($"/{package}.{service.Groups["name"].Value}/");
            }
        }

        return paths;
    }

    [GeneratedRegex(@"^package\s+(?<name>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex PackagePattern();

    [GeneratedRegex(@"^service\s+(?<name>\w+)\s*\{", RegexOptions.Multiline)]
    private static partial Regex ServicePattern();
}
