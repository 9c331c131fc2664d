using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// STYLE.md principle 13 and docs/architecture.md, read from the project files: dependencies point
/// inward. A library (src/) references only libraries; an example only libraries; a service no other
/// service; nothing but a test project references tests/; and InternalsVisibleTo goes only to the
/// project's own test project (<c>Name.Tests</c> under tests/). Tests may reference anything
/// (tools/Metrics.LocalStack included); tools and bench may reference src, services, bench and examples.
/// </summary>
internal static class ProjectGraphChecker
{
    private const string Libraries = "src";
    private const string Services = "services";
    private const string Tests = "tests";

    public static IReadOnlyList<string> Check(ProjectGraph graph)
    {
        var problems = new List<string>();
        var testAssemblies = graph.Projects.Values.Where(p => p.Area == Tests).Select(p => p.AssemblyName).ToHashSet(StringComparer.Ordinal);
        foreach (var project in graph.Projects.Values.OrderBy(p => p.Path, StringComparer.Ordinal))
        {
            foreach (var reference in project.References)
            {
                var area = reference.Split('/')[0];
                var referenceFolder = Path.GetDirectoryName(reference)!.Replace('\\', '/');
                if (project.Area is Libraries or "examples" && area != Libraries)
                {
                    problems.Add($"{project.Path}: references {reference}; a project under {project.Area}/ may reference only libraries (src/), never services/, bench/, examples/, tools/ or tests/");
                }
                else if (project.Area == Services && area == Services && referenceFolder != project.Folder)
                {
                    problems.Add($"{project.Path}: references {reference}; a service never references another service (share code through src/)");
                }
                else if (project.Area != Tests && area == Tests)
                {
                    problems.Add($"{project.Path}: references {reference}; only test projects reference tests/");
                }
            }

            foreach (var (assembly, file) in project.InternalsVisibleTo)
            {
                var own = assembly == project.Name + ".Tests" || assembly == project.AssemblyName + ".Tests";
                if (!own || !testAssemblies.Contains(assembly))
                {
                    problems.Add($"{file}: InternalsVisibleTo {assembly}; {project.Path} may show its internals only to its own tests ({project.Name}.Tests under tests/{(own ? ", which does not exist" : "")})");
                }
            }
        }

        return problems;
    }
}
