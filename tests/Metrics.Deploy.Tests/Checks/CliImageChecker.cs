using Metrics.Deploy.Tests.Support;

namespace Metrics.Deploy.Tests.Checks;

/// <summary>
/// The shipped CLI's image carries the CLI and the libraries it references, nothing else: Metrics.Cli
/// references (directly or not) no project under services/, bench/, examples/, tools/ or tests/; the
/// stage its image is published in copies none of those folders (nor the whole context); and the
/// publish needs no ErrorOnDuplicatePublishOutputFiles=false, which only a service's appsettings.json
/// pulled in beside the CLI made necessary.
/// </summary>
internal static class CliImageChecker
{
    public const string Project = "src/Metrics.Cli/Metrics.Cli.csproj";

    private static readonly string[] Outside = ["services", "bench", "examples", "tools", "tests"];

    public static IReadOnlyList<string> Check(ProjectGraph graph, Dockerfile dockerfile, string target = "cli")
    {
        var problems = new List<string>();
        foreach (var reference in graph.Closure(Project).Where(r => Outside.Contains(r.Split('/')[0])))
        {
            problems.Add($"{Project}: references {reference} (directly or through another project); the cli image would carry it");
        }

        var image = dockerfile.Target(target);
        var fromPublish = image.LastOrDefault(i => i.Keyword == "COPY" && i.Flags.ContainsKey("from"));
        var build = fromPublish is null ? image : dockerfile.Target(fromPublish.Flags["from"]);
        foreach (var copy in build.Where(i => i.Keyword is "COPY" or "ADD" && !i.Flags.ContainsKey("from")))
        {
            foreach (var source in copy.Words.Take(copy.Words.Count - 1).Select(s => s.TrimStart('.', '/')))
            {
                if (source.Length == 0 || Outside.Contains(source.Split('/')[0]))
                {
                    problems.Add($"{dockerfile.Path}:{copy.Line}: the {target} image's build copies {(source.Length == 0 ? "the whole context" : source)}; it copies only what {Project} references");
                }
            }
        }

        foreach (var run in build.Where(i => i.Keyword == "RUN" && i.Arguments.Contains("ErrorOnDuplicatePublishOutputFiles", StringComparison.Ordinal)))
        {
            problems.Add($"{dockerfile.Path}:{run.Line}: the {target} image publishes with ErrorOnDuplicatePublishOutputFiles; with no service referenced there are no duplicate outputs to allow");
        }

        return problems;
    }
}
