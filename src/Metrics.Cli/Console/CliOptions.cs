using System.CommandLine;

namespace Metrics.Cli.Console;

/// <summary>Options several commands share; each falls back to its METRICS_* environment variable.</summary>
public static class CliOptions
{
    public static Option<string?> DatabaseUrl() => new("--database-url")
    {
        Description = "PostgreSQL URL (default: METRICS_DATABASE_URL, else the local stack of `metrics up`).",
    };

    public static Option<string?> Pepper() => new("--token-pepper")
    {
        Description = "Server secret for token hashes (default: METRICS_TOKEN_PEPPER, else the local stack's).",
    };

    /// <summary>
    /// The local stack's folder, for every command (`up` creates it; the others find its database,
    /// pepper, endpoints and token there). Sets METRICS_DATA_DIR for the command and its children.
    /// </summary>
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder of the local stack of `metrics up`: PostgreSQL, logs, settings (default: METRICS_DATA_DIR, else .metrics in the checkout).",
        Recursive = true,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON object instead of text.",
    };

    public static Option<double> ConnectTimeout() => new("--connect-timeout")
    {
        Description = "Seconds to keep retrying an ingest service that never answered before giving up (exit 1); once it answered, retries go on while it is down.",
        DefaultValueFactory = _ => 30,
    };
}
