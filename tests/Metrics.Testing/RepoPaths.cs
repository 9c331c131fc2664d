namespace Metrics.Testing;

/// <summary>Paths of the repository and of the TensorBoard fixtures it carries.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder that holds Metrics.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>
    /// tests/fixtures/tensorboard: logdirs written by TensorBoard's own writer, kept byte for byte
    /// in the repository so a clone needs nothing beside it (or METRICS_FIXTURES).
    /// </summary>
    public static string TensorBoardFixtures =>
        Environment.GetEnvironmentVariable("METRICS_FIXTURES") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Root, "tests", "fixtures", "tensorboard");

    /// <summary>One fixture logdir, e.g. "basic" or "v1".</summary>
    public static string Fixture(string name) => Path.Combine(TensorBoardFixtures, name);

    /// <summary>The JSON of what TensorBoard reads from the fixture logdir.</summary>
    public static string FixtureExpectedJson(string name) => Path.Combine(TensorBoardFixtures, name + ".expected.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Metrics.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Metrics.sln not found above " + AppContext.BaseDirectory);
    }
}
