namespace Metrics.Cli.Console;

/// <summary>The checkout the command runs from (the folder holding Metrics.sln), when there is one.</summary>
public static class RepoRoot
{
    public static string? Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Metrics.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }
}
