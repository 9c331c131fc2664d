using System.Globalization;
using System.Text.RegularExpressions;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// Checks the image of a component (its target of a Dockerfile) against the repository: COPY
/// sources exist, the stage its files come from restores and publishes its project with every
/// project that one references copied in before, the entry point names the real assembly,
/// EXPOSE and the health check use the real ports, ENV names real settings, and the image runs
/// as a non-root user.
/// </summary>
internal sealed partial class DockerfileChecker(string root, IReadOnlyDictionary<string, Component> components)
{
    private readonly List<string> problems = [];

    public IReadOnlyList<string> Check(Component component, Dockerfile dockerfile)
    {
        problems.Clear();
        var where = dockerfile.Path;
        foreach (var instruction in dockerfile.Instructions.Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from")))
        {
            var words = instruction.Words;
            foreach (var source in words.Take(words.Count - 1).Where(s => !File.Exists(Path.Combine(root, s)) && !Directory.Exists(Path.Combine(root, s))))
            {
                problems.Add($"{where}:{instruction.Line}: COPY source {source} does not exist in the build context (the repository root)");
            }
        }

        IReadOnlyList<Dockerfile.Instruction> image;
        try
        {
            image = dockerfile.Target(component.Target);
        }
        catch (InvalidDataException error)
        {
            problems.Add(error.Message);
            return problems.ToList();
        }

        var environment = Dockerfile.Environment(image);
        foreach (var variable in environment.Keys.Where(v => v.StartsWith(ServiceCatalog.EnvironmentPrefix, StringComparison.Ordinal) && !component.Settings.ContainsKey(v)))
        {
            problems.Add($"{where}: ENV {variable} is not a setting of {component.Name}");
        }

        var user = image.LastOrDefault(i => i.Keyword == "USER")?.Arguments;
        if (user is null or "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal))
        {
            problems.Add($"{where}: the {component.Name} image must switch to a non-root USER");
        }

        if (component.ProjectFile is not null)
        {
            CheckDotNetBuild(where, component, dockerfile, image);
        }

        if (component.IsServer)
        {
            CheckPortsAndHealth(where, component, image, environment);
        }

        return problems.ToList();
    }

    private void CheckDotNetBuild(string where, Component component, Dockerfile dockerfile, IReadOnlyList<Dockerfile.Instruction> image)
    {
        // The image's files come from the stage it copies them from (the image itself when it builds in place).
        var fromBuild = image.LastOrDefault(i => i.Keyword == "COPY" && i.Flags.ContainsKey("from"));
        IReadOnlyList<Dockerfile.Instruction> build;
        try
        {
            build = fromBuild is null ? image : dockerfile.Target(fromBuild.Flags["from"]);
        }
        catch (InvalidDataException error)
        {
            problems.Add($"{error.Message} (the {component.Name} image copies --from it)");
            return;
        }

        var copied = build.Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from"))
            .SelectMany(i => i.Words.Take(i.Words.Count - 1).Select(source => (i.Line, Source: source.TrimEnd('/'))))
            .ToList();
        var runs = build.Where(i => i.Keyword == "RUN").ToList();
        var restore = runs.FirstOrDefault(r => r.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = runs.LastOrDefault(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        if (restore is null || publish is null)
        {
            problems.Add($"{where}: the {component.Name} image needs a `dotnet restore` and a `dotnet publish` step");
            return;
        }

        var restored = RestorePattern().Matches(restore.Arguments).Select(m => m.Groups["project"].Value).ToList();
        if (!restored.Any(r => ServiceCatalog.ProjectClosure(root, r).Contains(component.ProjectFile!)))
        {
            problems.Add($"{where}:{restore.Line}: `dotnet restore` of {string.Join(", ", restored)} does not restore {component.ProjectFile}");
        }

        if (!publish.Arguments.Contains(component.ProjectFile!, StringComparison.Ordinal))
        {
            problems.Add($"{where}:{publish.Line}: builds something other than {component.ProjectFile}");
        }

        var output = PublishOutputPattern().Match(publish.Arguments);
        if (fromBuild is not null && output.Success && fromBuild.Words.Count > 1 && fromBuild.Words[0].TrimEnd('/') != output.Groups["dir"].Value.TrimEnd('/'))
        {
            problems.Add($"{where}:{fromBuild.Line}: copies {fromBuild.Words[0]} from stage {fromBuild.Flags["from"]}, which publishes to {output.Groups["dir"].Value}");
        }

        if (!File.Exists(Path.Combine(root, component.ProjectFile!)))
        {
            problems.Add($"{where}: {component.ProjectFile} does not exist");
            return;
        }

        foreach (var project in ServiceCatalog.ProjectClosure(root, component.ProjectFile!))
        {
            var folder = Path.GetDirectoryName(project)!.Replace('\\', '/');
            if (!copied.Any(c => c.Line < restore.Line && (c.Source == project || c.Source == folder)))
            {
                problems.Add($"{where}: {project} (referenced by {component.ProjectFile}) is not copied before `dotnet restore`");
            }

            if (!copied.Any(c => c.Line < publish.Line && (c.Source == folder || IsUnder(folder, c.Source))))
            {
                problems.Add($"{where}: {folder}/ (referenced by {component.ProjectFile}) is not copied before `dotnet publish`");
            }

            if (File.ReadAllText(Path.Combine(root, project)).Contains("../../proto/", StringComparison.Ordinal) && !copied.Any(c => c.Line < publish.Line && c.Source == "proto"))
            {
                problems.Add($"{where}: {project} compiles proto/, which is not copied before `dotnet publish`");
            }
        }

        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            if (!copied.Any(c => c.Line < restore.Line && c.Source == file))
            {
                problems.Add($"{where}: {file} is not copied before `dotnet restore`");
            }
        }

        var entry = image.LastOrDefault(i => i.Keyword == "ENTRYPOINT")?.Words ?? [];
        var expected = component.AssemblyName + ".dll";
        if (entry.Count < 2 || entry[0] != "dotnet" || Path.GetFileName(entry[1]) != expected)
        {
            problems.Add($"{where}: ENTRYPOINT must run [\"dotnet\", \"{expected}\"] (the assembly of {component.ProjectFile}), not [{string.Join(", ", entry)}]");
        }
    }

    private void CheckPortsAndHealth(string where, Component component, IReadOnlyList<Dockerfile.Instruction> image, IReadOnlyDictionary<string, string> environment)
    {
        var listening = component.Ports(environment);
        var exposed = image.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Words).Select(w => int.Parse(w.Split('/')[0], CultureInfo.InvariantCulture)).ToHashSet();
        if (!exposed.SetEquals(listening.Values))
        {
            problems.Add($"{where}: EXPOSE {string.Join(" ", exposed)} differs from the ports {component.Name} listens on ({string.Join(", ", listening.Select(p => $"{p.Key}={p.Value}"))})");
        }

        var health = image.LastOrDefault(i => i.Keyword == "HEALTHCHECK");
        if (health is null || health.Arguments.StartsWith("NONE", StringComparison.Ordinal))
        {
            problems.Add($"{where}: a server image needs a HEALTHCHECK");
            return;
        }

        var command = health.Arguments[(health.Arguments.IndexOf("CMD", StringComparison.Ordinal) + 3)..].Trim();
        var words = Dockerfile.Parse(where, "CMD " + command).Instructions[0].Words;
        if (words.Count > 0 && words[0] == "metrics-healthcheck")
        {
            if (!image.Any(i => i.Keyword == "COPY" && i.Words.Count > 1 && i.Words[^1].EndsWith("/metrics-healthcheck", StringComparison.Ordinal)))
            {
                problems.Add($"{where}: HEALTHCHECK runs metrics-healthcheck, which the {component.Name} image does not COPY in");
            }

            if (words.Count < 2 || words[1] != listening["http"].ToString(CultureInfo.InvariantCulture))
            {
                problems.Add($"{where}: HEALTHCHECK checks port {words.ElementAtOrDefault(1)}, but {component.Name}'s HTTP port is {listening["http"]}");
            }

            if (words.Count > 2 && !component.ProbePaths.Contains(words[2]))
            {
                problems.Add($"{where}: HEALTHCHECK path {words[2]} is not served by {component.Name}");
            }
        }
        else if (!command.Contains(listening["http"].ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            problems.Add($"{where}: HEALTHCHECK does not use {component.Name}'s HTTP port {listening["http"]}");
        }
    }

    private static bool IsUnder(string folder, string copiedSource) =>
        folder.StartsWith(copiedSource + "/", StringComparison.Ordinal);

    /// <summary>All components' Dockerfiles.</summary>
    public IEnumerable<(Component Component, Dockerfile Dockerfile)> All() =>
        components.Values.Select(c => (c, Dockerfile.Load(Path.Combine(root, c.Dockerfile))));

    [GeneratedRegex(@"dotnet restore\s+(?<project>[^\s&;|]+)")]
    private static partial Regex RestorePattern();

    [GeneratedRegex(@"\s-o\s+(?<dir>\S+)")]
    private static partial Regex PublishOutputPattern();
}
