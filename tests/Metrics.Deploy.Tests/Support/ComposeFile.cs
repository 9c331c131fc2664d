using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Metrics.Deploy.Tests.Support;

/// <summary>
/// docker-compose.yml as docker compose reads it: ${VAR}, ${VAR:-default} and ${VAR:?error}
/// interpolated from an env file, YAML merge keys resolved.
/// </summary>
internal static partial class ComposeFile
{
    public static JsonObject Load(string composePath, string envFilePath) =>
        Parse(File.ReadAllText(composePath), ReadEnvFile(envFilePath));

    public static JsonObject Parse(string yaml, IReadOnlyDictionary<string, string> environment)
    {
        var interpolated = VariablePattern().Replace(yaml, m =>
        {
            if (m.Value == "$$")
            {
                return "$$";
            }

            var name = m.Groups["name"].Value;
            var set = environment.TryGetValue(name, out var value);
            return m.Groups["op"].Value switch
            {
                ":-" => set && value!.Length > 0 ? value! : m.Groups["arg"].Value,
                "-" => set ? value! : m.Groups["arg"].Value,
                ":?" or "?" => set && value!.Length > 0 ? value! : throw new InvalidDataException($"{name} is required: {m.Groups["arg"].Value}"),
                _ => set ? value! : "",
            };
        });
        var tree = new DeserializerBuilder().Build().Deserialize<object>(new MergingParser(new Parser(new StringReader(interpolated))));
        return ToJson(tree) as JsonObject ?? throw new InvalidDataException("docker-compose.yml is not a mapping");
    }

    public static IReadOnlyDictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);

    private static JsonNode? ToJson(object? node) => node switch
    {
        null => null,
        IDictionary<object, object> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString()!, ToJson(p.Value)))),
        IList<object> list => new JsonArray(list.Select(ToJson).ToArray()),
        _ => JsonValue.Create(node.ToString()),
    };

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex VariablePattern();
}
