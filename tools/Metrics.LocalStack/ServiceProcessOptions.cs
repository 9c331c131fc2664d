namespace Metrics.LocalStack;

/// <summary>What <see cref="ServiceProcess"/> runs and how.</summary>
public sealed record ServiceProcessOptions
{
    /// <summary>A short name for messages and logs ("ingest", "query-1").</summary>
    public required string Name { get; init; }

    /// <summary>The executable ("dotnet" for a service, see <see cref="ForService"/>).</summary>
    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    /// <summary>Settings of the child (added to, or replacing, this process's environment).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether this process's METRICS_* variables are kept from the child, so only <see cref="Environment"/> configures it.</summary>
    public bool ClearMetricsEnvironment { get; init; } = true;

    /// <summary>File the child's output is appended to (none when null; the in-memory tail is always kept).</summary>
    public string? LogFile { get; init; }

    /// <summary>Restart the child with back-off when it exits on its own (`metrics up`); otherwise it stays down.</summary>
    public bool RestartOnExit { get; init; }

    /// <summary>First restart delay; doubles on each crash in a row up to <see cref="MaxRestartDelay"/>.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A child that ran this long before it crashed worked: the back-off starts again from <see cref="RestartDelay"/>.</summary>
    public TimeSpan StableRun { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a stop waits after SIGTERM before SIGKILL; zero kills at once (a crash, as fault tests want).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where restarts are reported (one line each).</summary>
    public TextWriter Status { get; init; } = TextWriter.Null;

    /// <summary>The handler of readiness probes (e.g. one trusting the service's TLS certificate).</summary>
    public Func<HttpMessageHandler>? ProbeHandler { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>A Metrics service: `dotnet &lt;assembly&gt;` in the assembly's folder, as in production.</summary>
    public static ServiceProcessOptions ForService(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment) => new()
    {
        Name = name,
        FileName = "dotnet",
        Arguments = [assemblyPath],
        WorkingDirectory = Path.GetDirectoryName(assemblyPath),
        Environment = environment,
    };
}
