using System.Text.Json;

namespace Metrics.Cli.Console;

/// <summary>
/// What `metrics up` wrote about the local stack (stack.json in its data folder, .metrics at the
/// repo root unless --data-dir or METRICS_DATA_DIR says otherwise), so `metrics token create`,
/// `db migrate`, `demo`, `upload` and `export` work against it without any environment variables.
/// </summary>
public sealed record StackSettings(string DatabaseUrl, string TokenPepper, string IngestUrl, string QueryUrl, string Logdir, string Project, string Token)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>METRICS_DATA_DIR (which --data-dir sets), else .metrics in the checkout.</summary>
    public static string DefaultDataDir =>
        Environment.GetEnvironmentVariable("METRICS_DATA_DIR") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(RepoRoot.Find() ?? Environment.CurrentDirectory, ".metrics");

    public static string FileIn(string dataDir) => Path.Combine(dataDir, "stack.json");

    public static StackSettings? TryLoad(string? dataDir = null)
    {
        var file = FileIn(dataDir ?? DefaultDataDir);
        return File.Exists(file) ? JsonSerializer.Deserialize<StackSettings>(File.ReadAllText(file)) : null;
    }

    public void Save(string dataDir) => File.WriteAllText(FileIn(dataDir), JsonSerializer.Serialize(this, Options));

    /// <summary>The flag, else the environment variable, else the local stack's value.</summary>
    public static string? Resolve(string? flag, string environmentVariable, Func<StackSettings, string> fromStack) =>
        !string.IsNullOrEmpty(flag) ? flag
        : Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } env ? env
        : TryLoad() is { } stack ? fromStack(stack)
        : null;
}
