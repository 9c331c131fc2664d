using System.Globalization;
using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// Checks a Dockerfile against the repository: COPY sources exist, every project the published
/// one references is in the build context before restore and publish, the entry point names
/// the real assembly, EXPOSE and the health check use the real ports, ENV names real settings,
/// and the final stage runs as a non-root user.
/// </summary>
internal sealed class DockerfileChecker(string root, IReadOnlyDictionary<string, Component> components)
{
    private readonly List<string> problems = [];

    public IReadOnlyList<string> Check(Component component, Dockerfile dockerfile)
    {
        problems.Clear();
        var where = dockerfile.Path;
        var copied = new List<(int Line, string Source)>();
        foreach (var instruction in dockerfile.Instructions.Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from")))
        {
            var words = instruction.Words;
            foreach (var source in words.Take(words.Count - 1))
            {
                copied.Add((instruction.Line, source.TrimEnd('/')));
                if (!File.Exists(Path.Combine(root, source)) && !Directory.Exists(Path.Combine(root, source)))
                {
                    problems.Add($"{where}:{instruction.Line}: COPY source {source} does not exist in the build context (the repository root)");
                }
            }
        }

        var environment = dockerfile.FinalEnvironment();
        foreach (var variable in environment.Keys.Where(v => v.StartsWith(ServiceCatalog.EnvironmentPrefix, StringComparison.Ordinal) && !component.Settings.ContainsKey(v)))
        {
            problems.Add($"{where}: ENV {variable} is not a setting of {component.Name}");
        }

        var final = dockerfile.FinalStage();
        var user = final.LastOrDefault(i => i.Keyword == "USER")?.Arguments;
        if (user is null or "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal))
        {
            problems.Add($"{where}: the final stage must switch to a non-root USER");
        }

        if (component.ProjectFile is not null)
        {
            CheckDotNetBuild(where, component, dockerfile, copied);
        }

        if (component.IsServer)
        {
            CheckPortsAndHealth(where, component, final, environment);
        }

        return problems.ToList();
    }

    private void CheckDotNetBuild(string where, Component component, Dockerfile dockerfile, List<(int Line, string Source)> copied)
    {
        var runs = dockerfile.Instructions.Where(i => i.Keyword == "RUN").ToList();
        var restore = runs.FirstOrDefault(r => r.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = runs.FirstOrDefault(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        if (restore is null || publish is null)
        {
            problems.Add($"{where}: needs a `dotnet restore` and a `dotnet publish` step");
            return;
        }

        foreach (var step in new[] { restore, publish })
        {
            if (!step.Arguments.Contains(component.ProjectFile!, StringComparison.Ordinal))
            {
                problems.Add($"{where}:{step.Line}: builds something other than {component.ProjectFile}");
            }
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

        var entry = dockerfile.FinalStage().LastOrDefault(i => i.Keyword == "ENTRYPOINT")?.Words ?? [];
        var expected = component.AssemblyName + ".dll";
        if (entry.Count < 2 || entry[0] != "dotnet" || Path.GetFileName(entry[1]) != expected)
        {
            problems.Add($"{where}: ENTRYPOINT must run [\"dotnet\", \"{expected}\"] (the assembly of {component.ProjectFile}), not [{string.Join(", ", entry)}]");
        }
    }

    private void CheckPortsAndHealth(string where, Component component, IReadOnlyList<Dockerfile.Instruction> final, IReadOnlyDictionary<string, string> environment)
    {
        var listening = component.Ports(environment);
        var exposed = final.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Words).Select(w => int.Parse(w.Split('/')[0], CultureInfo.InvariantCulture)).ToHashSet();
        if (!exposed.SetEquals(listening.Values))
        {
            problems.Add($"{where}: EXPOSE {string.Join(" ", exposed)} differs from the ports {component.Name} listens on ({string.Join(", ", listening.Select(p => $"{p.Key}={p.Value}"))})");
        }

        var health = final.LastOrDefault(i => i.Keyword == "HEALTHCHECK");
        if (health is null || health.Arguments.StartsWith("NONE", StringComparison.Ordinal))
        {
            problems.Add($"{where}: a server image needs a HEALTHCHECK");
            return;
        }

        var command = health.Arguments[(health.Arguments.IndexOf("CMD", StringComparison.Ordinal) + 3)..].Trim();
        var words = Dockerfile.Parse(where, "CMD " + command).Instructions[0].Words;
        if (words.Count > 0 && words[0] == "metrics-healthcheck")
        {
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
}
