using System.Text.Json;
using System.Text.RegularExpressions;

namespace Metrics.Deploy.Tests.Support;

/// <summary>
/// The services' real configuration, read from the source the deployables are built from:
/// [ConfigurationKeyName] options properties (METRICS_ + key, with the property's initializer as
/// default), appsettings.json defaults, [Required] settings, the health endpoints that
/// MapServiceDefaults maps, project files and assembly names, and the CLI's METRICS_* variables.
/// </summary>
internal static partial class ServiceCatalog
{
    public const string EnvironmentPrefix = "METRICS_";

    /// <summary>Read by OpenTelemetry's SDK, not by our options classes.</summary>
    public static readonly IReadOnlySet<string> OpenTelemetryVariables =
        new HashSet<string>(StringComparer.Ordinal) { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_RESOURCE_ATTRIBUTES" };

    /// <summary>Query's TensorBoard data-provider port: unauthenticated, so only TensorBoard may reach it.</summary>
    public const string TensorBoardPortName = "tensorboard";

    public const string TensorBoardPortSetting = EnvironmentPrefix + "TENSORBOARD_PORT";

    /// <summary>The one Dockerfile of the .NET deployables; each is a target named like its component.</summary>
    public const string DotNetDockerfile = "deploy/docker/Dockerfile";

    private static readonly string[] DotNetServices = ["ingest", "query", "exporter"];

    public static IReadOnlyDictionary<string, Component> Load(string root)
    {
        var shared = ReadOptions(root, "src/Metrics.ServiceDefaults", "src/Metrics.Storage");
        var storage = ReadOptions(root, "src/Metrics.Storage");
        var healthPaths = Sources(root, "src/Metrics.ServiceDefaults")
            .SelectMany(f => HealthPathPattern().Matches(File.ReadAllText(f)).Select(m => m.Groups["path"].Value))
            .ToHashSet(StringComparer.Ordinal);

        var components = new Dictionary<string, Component>(StringComparer.Ordinal);
        foreach (var name in DotNetServices)
        {
            var folder = "services/" + name;
            var options = Merge(shared, ReadOptions(root, folder));
            var settings = options.Settings.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            ApplyAppSettings(Path.Combine(root, folder, "appsettings.json"), settings);
            foreach (var variable in OpenTelemetryVariables)
            {
                settings[variable] = null;
            }

            var ports = new Dictionary<string, string>(StringComparer.Ordinal) { ["http"] = EnvironmentPrefix + "HTTP_PORT" };
            if (settings.ContainsKey(EnvironmentPrefix + "GRPC_PORT"))
            {
                ports["grpc"] = EnvironmentPrefix + "GRPC_PORT";
            }

            if (settings.ContainsKey(TensorBoardPortSetting))
            {
                ports[TensorBoardPortName] = TensorBoardPortSetting; // off (no port) unless set
            }

            var project = Directory.GetFiles(Path.Combine(root, folder), "*.csproj").Single();
            components[name] = new Component(
                name,
                DotNetDockerfile,
                name,
                Relative(root, project),
                AssemblyName(project),
                settings,
                options.Required,
                ports,
                new Dictionary<string, int>(),
                healthPaths,
                IsServer: true);
        }

        var cliSettings = storage.Settings.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var variable in Sources(root, "src/Metrics.Cli").SelectMany(f => CliVariablePattern().Matches(File.ReadAllText(f))).Select(m => m.Groups["name"].Value))
        {
            cliSettings.TryAdd(variable, null);
        }

        const string cliProject = "src/Metrics.Cli/Metrics.Cli.csproj";
        components["cli"] = new Component(
            "cli",
            DotNetDockerfile,
            "cli",
            cliProject,
            File.Exists(Path.Combine(root, cliProject)) ? AssemblyName(Path.Combine(root, cliProject)) : null,
            cliSettings,
            new HashSet<string>(StringComparer.Ordinal),
            new Dictionary<string, string>(),
            new Dictionary<string, int>(),
            new HashSet<string>(StringComparer.Ordinal),
            IsServer: false);

        const string tensorBoardDockerfile = "deploy/tensorboard/Dockerfile";
        var tensorBoard = Dockerfile.Load(Path.Combine(root, tensorBoardDockerfile));
        var image = tensorBoard.Target(null);
        var exposed = image.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Words).Select(int.Parse).ToList();
        components["tensorboard"] = new Component(
            "tensorboard",
            tensorBoardDockerfile,
            null,
            null,
            null,
            Dockerfile.Environment(image).ToDictionary(p => p.Key, string? (p) => p.Value, StringComparer.Ordinal),
            new HashSet<string>(StringComparer.Ordinal),
            new Dictionary<string, string>(),
            new Dictionary<string, int> { ["http"] = exposed.Single() },
            new HashSet<string>(StringComparer.Ordinal) { "/" },
            IsServer: true);
        return components;
    }

    /// <summary>The component an image runs: the last path segment of its repository ("registry/x/ingest:1" → ingest).</summary>
    public static string ComponentOfImage(string image)
    {
        var repository = image.Split('@')[0];
        var lastSlash = repository.LastIndexOf('/');
        var colon = repository.LastIndexOf(':');
        if (colon > lastSlash)
        {
            repository = repository[..colon];
        }

        return repository[(lastSlash + 1)..];
    }

    public static string AssemblyName(string projectFile)
    {
        var match = AssemblyNamePattern().Match(File.ReadAllText(projectFile));
        return match.Success ? match.Groups["name"].Value : Path.GetFileNameWithoutExtension(projectFile);
    }

    /// <summary>Every project <paramref name="projectFile"/> references, directly or not (repository-relative paths).</summary>
    public static IReadOnlyList<string> ProjectClosure(string root, string projectFile)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(Path.Combine(root, projectFile))]);
        while (pending.Count > 0)
        {
            var project = pending.Pop();
            var relative = Relative(root, project);
            if (seen.Contains(relative) || !File.Exists(project))
            {
                continue;
            }

            seen.Add(relative);
            foreach (Match reference in ProjectReferencePattern().Matches(File.ReadAllText(project)))
            {
                var include = reference.Groups["path"].Value.Replace('\\', '/');
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include)));
            }
        }

        return seen;
    }

    public static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private sealed record Options(IReadOnlyDictionary<string, string?> Settings, IReadOnlySet<string> Required);

    private static Options ReadOptions(string root, params string[] folders)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in folders.SelectMany(f => Sources(root, f)))
        {
            foreach (Match property in OptionPropertyPattern().Matches(File.ReadAllText(file)))
            {
                var variable = EnvironmentPrefix + property.Groups["key"].Value;
                settings[variable] = property.Groups["default"].Success ? Literal(property.Groups["default"].Value) : null;
                if ((property.Groups["attributes"].Value + property.Groups["more"].Value).Contains("[Required", StringComparison.Ordinal))
                {
                    required.Add(variable);
                }
            }
        }

        return new Options(settings, required);
    }

    private static Options Merge(Options a, Options b) => new(
        a.Settings.Concat(b.Settings).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
        a.Required.Union(b.Required).ToHashSet(StringComparer.Ordinal));

    /// <summary>Top-level scalars of appsettings.json are defaults of the flat options keys.</summary>
    private static void ApplyAppSettings(string path, Dictionary<string, string?> settings)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var variable = EnvironmentPrefix + property.Name;
            if (settings.ContainsKey(variable) && property.Value.ValueKind is JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False)
            {
                settings[variable] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }
    }

    private static string? Literal(string expression)
    {
        var text = expression.Trim();
        if (text.StartsWith('"') && text.EndsWith('"'))
        {
            return text[1..^1];
        }

        var number = text.Replace("_", "", StringComparison.Ordinal);
        return NumberPattern().IsMatch(number) || text is "true" or "false" ? number : null;
    }

    private static IEnumerable<string> Sources(string root, string folder)
    {
        var directory = Path.Combine(root, folder);
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
            : [];
    }

    [GeneratedRegex(@"(?<attributes>(\[[^\]\r\n]*\]\s*)*)\[ConfigurationKeyName\(""(?<key>[A-Za-z0-9_]+)""\)\]\s*(?<more>(\[[^\]\r\n]*\]\s*)*)public\s+[\w?<>\[\]., ]+?\s+\w+\s*\{[^}]*\}(\s*=\s*(?<default>[^;]+);)?")]
    private static partial Regex OptionPropertyPattern();

    [GeneratedRegex(@"MapHealthChecks\(""(?<path>/[^""]*)""")]
    private static partial Regex HealthPathPattern();

    [GeneratedRegex(@"""(?<name>METRICS_[A-Z0-9_]+)""")]
    private static partial Regex CliVariablePattern();

    [GeneratedRegex(@"<AssemblyName>(?<name>[^<]+)</AssemblyName>")]
    private static partial Regex AssemblyNamePattern();

    [GeneratedRegex(@"<ProjectReference\s+Include=""(?<path>[^""]+)""")]
    private static partial Regex ProjectReferencePattern();

    [GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?$")]
    private static partial Regex NumberPattern();
}
