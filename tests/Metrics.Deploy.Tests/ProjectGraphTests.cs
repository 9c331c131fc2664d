using Metrics.Deploy.Tests.Checks;
using Metrics.Deploy.Tests.Support;
using Metrics.Testing;

namespace Metrics.Deploy.Tests;

/// <summary>Dependencies point inward (STYLE.md principle 13, docs/architecture.md), read from every .csproj of the repository.</summary>
public sealed class ProjectGraphTests
{
    [Fact]
    public void Check_Repository_DependenciesPointInward()
    {
        var problems = ProjectGraphChecker.Check(ProjectGraph.Load(RepoPaths.Root));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Load_Repository_ReadsEveryProjectAndGrant()
    {
        var graph = ProjectGraph.Load(RepoPaths.Root);

        Assert.Contains("src/Metrics.Cli/Metrics.Cli.csproj", graph.Projects.Keys);
        Assert.Contains("tools/Metrics.Dev/Metrics.Dev.csproj", graph.Projects.Keys);
        Assert.Contains("src/Metrics.Client/Metrics.Client.csproj", graph.Projects["src/Metrics.Cli/Metrics.Cli.csproj"].References);
        Assert.Equal("metrics", graph.Projects["src/Metrics.Cli/Metrics.Cli.csproj"].AssemblyName);
        Assert.Contains(("Metrics.Storage.Tests", "src/Metrics.Storage/Metrics.Storage.csproj"), graph.Projects["src/Metrics.Storage/Metrics.Storage.csproj"].InternalsVisibleTo);
        Assert.DoesNotContain(graph.Projects.Keys, p => p.Contains("/bin/", StringComparison.Ordinal) || p.Contains("/obj/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("src/Lib/Lib.csproj", "../../services/a/A.csproj", "src/Lib/Lib.csproj: references services/a/A.csproj; a project under src/ may reference only libraries")]
    [InlineData("src/Lib/Lib.csproj", "../../bench/Bench/Bench.csproj", "src/Lib/Lib.csproj: references bench/Bench/Bench.csproj; a project under src/ may reference only libraries")]
    [InlineData("src/Lib/Lib.csproj", "../../examples/Example/Example.csproj", "src/Lib/Lib.csproj: references examples/Example/Example.csproj; a project under src/")]
    [InlineData("src/Lib/Lib.csproj", "../../tools/Tool/Tool.csproj", "src/Lib/Lib.csproj: references tools/Tool/Tool.csproj; a project under src/")]
    [InlineData("src/Lib/Lib.csproj", "../../tests/Lib.Tests/Lib.Tests.csproj", "src/Lib/Lib.csproj: references tests/Lib.Tests/Lib.Tests.csproj; a project under src/")]
    [InlineData("examples/Example/Example.csproj", "../../bench/Bench/Bench.csproj", "examples/Example/Example.csproj: references bench/Bench/Bench.csproj; a project under examples/")]
    [InlineData("services/b/B.csproj", "../a/A.csproj", "services/b/B.csproj: references services/a/A.csproj; a service never references another service")]
    [InlineData("bench/Bench/Bench.csproj", "../../tests/Lib.Tests/Lib.Tests.csproj", "bench/Bench/Bench.csproj: references tests/Lib.Tests/Lib.Tests.csproj; only test projects reference tests/")]
    [InlineData("tools/Tool/Tool.csproj", "../../tests/Lib.Tests/Lib.Tests.csproj", "tools/Tool/Tool.csproj: references tests/Lib.Tests/Lib.Tests.csproj; only test projects reference tests/")]
    public void Check_PlantedReference_ReportsFileAndReference(string project, string reference, string expected)
    {
        using var tree = new ScratchTree();
        tree.Reference(project, reference);

        var problems = ProjectGraphChecker.Check(ProjectGraph.Load(tree.Root));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Single(problems);
    }

    [Theory]
    [InlineData("src/Lib/Lib.csproj", "Bench", "src/Lib/Lib.csproj: InternalsVisibleTo Bench; src/Lib/Lib.csproj may show its internals only to its own tests")]
    [InlineData("services/a/A.csproj", "Lib.Tests", "services/a/A.csproj: InternalsVisibleTo Lib.Tests; services/a/A.csproj may show")]
    [InlineData("services/b/B.csproj", "B.Tests", "services/b/B.csproj: InternalsVisibleTo B.Tests; services/b/B.csproj may show its internals only to its own tests (B.Tests under tests/, which does not exist)")]
    public void Check_PlantedGrantInProjectFile_ReportsIt(string project, string assembly, string expected)
    {
        using var tree = new ScratchTree();
        tree.Grant(project, assembly);

        var problems = ProjectGraphChecker.Check(ProjectGraph.Load(tree.Root));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        Assert.Single(problems);
    }

    [Fact]
    public void Check_PlantedGrantInSource_ReportsTheSourceFile()
    {
        using var tree = new ScratchTree();
        tree.Write("src/Lib/Internal/Visibility.cs", "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Tool, PublicKey=00\")]\n");

        var problems = ProjectGraphChecker.Check(ProjectGraph.Load(tree.Root));

        Assert.Equal(["src/Lib/Internal/Visibility.cs: InternalsVisibleTo Tool; src/Lib/Lib.csproj may show its internals only to its own tests (Lib.Tests under tests/)"], problems);
    }

    [Fact]
    public void Check_AllowedEdges_ReportsNothing()
    {
        using var tree = new ScratchTree();
        tree.Grant("src/Lib/Lib.csproj", "Lib.Tests");
        tree.Reference("tests/Lib.Tests/Lib.Tests.csproj", "../../tools/Tool/Tool.csproj");
        tree.Reference("tests/Lib.Tests/Lib.Tests.csproj", "../../services/a/A.csproj");
        tree.Reference("tools/Tool/Tool.csproj", "../../bench/Bench/Bench.csproj");
        tree.Reference("bench/Bench/Bench.csproj", "../../services/a/A.csproj");
        tree.Reference("services/a/A.csproj", "../../src/Lib/Lib.csproj");
        // Generated files under obj/ are not the project's sources.
        tree.Write("src/Lib/obj/Debug/Lib.AssemblyInfo.cs", "[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"Tool\")]\n");

        Assert.Empty(ProjectGraphChecker.Check(ProjectGraph.Load(tree.Root)));
    }

    /// <summary>A repository-shaped folder of empty projects, one of each kind, to plant violations in.</summary>
    private sealed class ScratchTree : IDisposable
    {
        private static readonly string[] Projects =
        [
            "src/Lib/Lib.csproj", "services/a/A.csproj", "services/b/B.csproj", "bench/Bench/Bench.csproj",
            "examples/Example/Example.csproj", "tools/Tool/Tool.csproj", "tests/Lib.Tests/Lib.Tests.csproj",
        ];

        public ScratchTree()
        {
            foreach (var project in Projects)
            {
                Write(project, "<Project Sdk=\"Microsoft.NET.Sdk\">\n</Project>\n");
            }
        }

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "metrics-graph-" + Guid.NewGuid().ToString("N"));

        public void Reference(string project, string include) => Insert(project, $"<ProjectReference Include=\"{include}\" />");

        public void Grant(string project, string assembly) => Insert(project, $"<InternalsVisibleTo Include=\"{assembly}\" />");

        public void Write(string relative, string text)
        {
            var path = Path.Combine(Root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);

        private void Insert(string project, string item)
        {
            var path = Path.Combine(Root, project);
            File.WriteAllText(path, File.ReadAllText(path).Replace("</Project>", $"  <ItemGroup>\n    {item}\n  </ItemGroup>\n</Project>", StringComparison.Ordinal));
        }
    }
}
