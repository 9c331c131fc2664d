using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Metrics.Deploy.Tests.Support;

/// <summary>
/// Every .csproj under a folder (bin/, obj/ and hidden folders skipped) with what it references and
/// whom it shows its internals to (InternalsVisibleTo items of the project file and
/// <c>[assembly: InternalsVisibleTo]</c> in its .cs files). Paths are relative to the root, with '/'.
/// </summary>
internal sealed partial class ProjectGraph
{
    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules"];

    private ProjectGraph(IReadOnlyDictionary<string, Project> projects) => Projects = projects;

    /// <summary>The projects by path (e.g. <c>src/Metrics.Cli/Metrics.Cli.csproj</c>).</summary>
    public IReadOnlyDictionary<string, Project> Projects { get; }

    /// <summary>One project: its path, assembly name, ProjectReference paths and InternalsVisibleTo grants (each with the file that makes it).</summary>
    public sealed record Project(string Path, string Name, string AssemblyName, IReadOnlyList<string> References, IReadOnlyList<(string Assembly, string File)> InternalsVisibleTo)
    {
        /// <summary>The first folder of its path: src, services, bench, examples, tools or tests.</summary>
        public string Area => Path.Split('/')[0];

        /// <summary>Its folder, e.g. <c>services/ingest</c>.</summary>
        public string Folder => System.IO.Path.GetDirectoryName(Path)!.Replace('\\', '/');
    }

    public static ProjectGraph Load(string root)
    {
        var files = ProjectFiles(root).ToList();
        var folders = files.Select(f => Path.GetDirectoryName(f)!).ToList();
        var projects = new Dictionary<string, Project>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = Relative(root, file);
            var folder = Path.GetDirectoryName(file)!;
            var xml = XDocument.Load(file);
            var name = Path.GetFileNameWithoutExtension(file);
            var assembly = xml.Descendants("AssemblyName").Select(e => e.Value.Trim()).LastOrDefault(v => v.Length > 0) ?? name;
            var references = xml.Descendants("ProjectReference")
                .Select(e => (string?)e.Attribute("Include"))
                .OfType<string>()
                .Select(include => Relative(root, Path.GetFullPath(Path.Combine(folder, include.Replace('\\', '/')))))
                .ToList();
            var grants = xml.Descendants("InternalsVisibleTo")
                .Select(e => (string?)e.Attribute("Include"))
                .Concat(xml.Descendants("AssemblyAttribute")
                    .Where(e => ((string?)e.Attribute("Include"))?.EndsWith("InternalsVisibleTo", StringComparison.Ordinal) == true)
                    .Select(e => e.Element("_Parameter1")?.Value))
                .OfType<string>()
                .Select(a => (a.Trim(), path))
                .ToList();

            // A project's sources are the .cs files of its folder, less those of a project nested in it.
            foreach (var source in SourceFiles(folder).Where(s => OwnerOf(s, folders) == folder))
            {
                foreach (Match attribute in InternalsVisibleToAttribute().Matches(File.ReadAllText(source)))
                {
                    grants.Add((attribute.Groups["assembly"].Value.Split(',')[0].Trim(), Relative(root, source)));
                }
            }

            projects[path] = new Project(path, name, assembly, references, grants);
        }

        return new ProjectGraph(projects);
    }

    /// <summary>The projects <paramref name="path"/> references, directly or not (itself excluded).</summary>
    public IReadOnlyList<string> Closure(string path)
    {
        var seen = new List<string>();
        var pending = new Stack<string>(Projects.TryGetValue(path, out var start) ? start.References : []);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (seen.Contains(next))
            {
                continue;
            }

            seen.Add(next);
            if (Projects.TryGetValue(next, out var project))
            {
                foreach (var reference in project.References)
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    private static IEnumerable<string> ProjectFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.csproj").Concat(Subfolders(folder).SelectMany(ProjectFiles));

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs").Concat(Subfolders(folder).SelectMany(SourceFiles));

    private static IEnumerable<string> Subfolders(string folder) =>
        Directory.EnumerateDirectories(folder).Where(d => Path.GetFileName(d) is var n && !n.StartsWith('.') && !SkippedFolders.Contains(n));

    private static string OwnerOf(string source, IEnumerable<string> projectFolders) =>
        projectFolders.Where(f => source.StartsWith(f + Path.DirectorySeparatorChar, StringComparison.Ordinal)).MaxBy(f => f.Length)!;

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    // An assembly attribute at the start of a line (not in a comment), InternalsVisibleTo written short
    // or qualified (System.Runtime.CompilerServices.…), with or without its Attribute suffix.
    [GeneratedRegex(@"^\s*\[\s*assembly\s*:\s*(?:[\w.]+\.)?InternalsVisibleTo(?:Attribute)?\s*\(\s*""(?<assembly>[^""]+)""", RegexOptions.Multiline)]
    private static partial Regex InternalsVisibleToAttribute();
}
