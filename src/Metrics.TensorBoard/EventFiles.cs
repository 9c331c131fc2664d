namespace Metrics.TensorBoard;

/// <summary>
/// The logdir layout TensorBoard reads: a run is every folder under the logdir (the logdir itself
/// included, named ".") that directly holds a file whose name contains <c>tfevents</c>; its name is
/// the relative path with '/' separators. A run's files are read in (ordinal) name order.
/// </summary>
public static class EventFiles
{
    /// <summary>The runs under <paramref name="logdir"/>, sorted by name.</summary>
    public static IReadOnlyList<LogdirRun> FindRuns(string logdir)
    {
        var root = Path.GetFullPath(logdir);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException("Logdir not found: " + logdir);
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        var runs = new List<LogdirRun>();
        foreach (var directory in Directory.EnumerateDirectories(root, "*", options).Prepend(root))
        {
            if (List(directory).Count > 0)
            {
                var relative = Path.GetRelativePath(root, directory);
                var name = relative == "." ? "." : relative.Replace(Path.DirectorySeparatorChar, '/');
                runs.Add(new LogdirRun(name, directory));
            }
        }

        runs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return runs;
    }

    /// <summary>The event files directly in <paramref name="directory"/>, full paths in name order.</summary>
    public static IReadOnlyList<string> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var files = Directory.EnumerateFiles(directory)
            .Where(path => Path.GetFileName(path).Contains("tfevents", StringComparison.Ordinal))
            .ToList();
        files.Sort((a, b) => string.CompareOrdinal(Path.GetFileName(a), Path.GetFileName(b)));
        return files;
    }
}

/// <summary>A run of a logdir: its name (relative path, '/' separated) and folder.</summary>
public sealed record LogdirRun(string Name, string Directory);
