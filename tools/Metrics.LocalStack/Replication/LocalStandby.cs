using System.Globalization;

namespace Metrics.LocalStack.Replication;

/// <summary>
/// A streaming-replication standby of a <see cref="LocalPostgres"/> primary on loopback: a base
/// backup (pg_basebackup -R, as the `postgres` user when we are root) started as a hot standby on
/// a free port. It can lag on purpose (<see cref="StandbyOptions.ApplyDelay"/>, or
/// <see cref="PauseReplayAsync"/>) so tests can prove reads wait for it or go around it.
/// </summary>
public sealed class LocalStandby : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly bool _deleteOnDispose;

    private LocalStandby(LocalPostgres server, string binDir, bool deleteOnDispose)
    {
        Server = server;
        _binDir = binDir;
        _deleteOnDispose = deleteOnDispose;
    }

    /// <summary>The standby's own cluster (its port, data folder, stop and restart).</summary>
    public LocalPostgres Server { get; }

    public int Port => Server.Port;

    /// <summary>URL of the given database on the standby (read-only).</summary>
    public string Url(string database = "postgres") => Server.Url(database);

    /// <summary>Takes a base backup of <paramref name="primary"/> and starts it as a hot standby streaming from it.</summary>
    public static async Task<LocalStandby> StartAsync(LocalPostgres primary, StandbyOptions? options, TextWriter? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(primary);
        options ??= new StandbyOptions();
        var binDir = await LocalPostgres.FindOrInstallBinariesAsync(log, cancellationToken);
        var asPostgres = Environment.UserName == "root" || Environment.IsPrivilegedProcess;
        var dataDir = options.DataDir ?? Directory.CreateTempSubdirectory("metrics-standby-").FullName;
        Directory.CreateDirectory(dataDir);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", dataDir], cancellationToken);
        }

        var pgData = Path.Combine(dataDir, "pgdata");
        var port = primary.Port.ToString(CultureInfo.InvariantCulture);
        log?.WriteLine($"Cloning the primary on port {port} into a standby in {pgData}");
        await RunAsync(Path.Combine(binDir, "pg_basebackup"), asPostgres,
            ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "-D", pgData, "-R", "-X", "stream", "-c", "fast"], cancellationToken);

        // After -R's own lines, so these win: our application name, and the lag asked for.
        var settings = new List<string>
        {
            $"primary_conninfo = 'host=127.0.0.1 port={port} user=postgres application_name={options.ApplicationName}'",
            "hot_standby = on",
            "hot_standby_feedback = on",
        };
        if (options.ApplyDelay is { } delay)
        {
            settings.Add(string.Create(CultureInfo.InvariantCulture, $"recovery_min_apply_delay = '{(long)delay.TotalMilliseconds}ms'"));
        }

        await AppendAsync(Path.Combine(pgData, "postgresql.auto.conf"), settings, asPostgres, cancellationToken);

        // The copied port file is not copied (it sits beside pgdata); LocalPostgres picks a free port.
        var server = await LocalPostgres.StartAsync(dataDir, port: null, durable: false, log, cancellationToken);
        return new LocalStandby(server, binDir, deleteOnDispose: options.DataDir is null);
    }

    /// <summary>Stops applying WAL (pg_wal_replay_pause): the standby keeps receiving but shows nothing new until resumed.</summary>
    public Task PauseReplayAsync(CancellationToken cancellationToken) => SqlAsync("SELECT pg_wal_replay_pause()", cancellationToken);

    /// <summary>Applies WAL again (pg_wal_replay_resume).</summary>
    public Task ResumeReplayAsync(CancellationToken cancellationToken) => SqlAsync("SELECT pg_wal_replay_resume()", cancellationToken);

    /// <summary>The WAL position the standby has applied (pg_last_wal_replay_lsn), as PostgreSQL prints it.</summary>
    public Task<string> ReplayedAsync(CancellationToken cancellationToken) => SqlAsync("SELECT pg_last_wal_replay_lsn()", cancellationToken);

    /// <summary>Waits until the standby has applied everything <paramref name="primary"/> had written when this was called.</summary>
    public async Task WaitCaughtUpAsync(LocalPostgres primary, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var target = await SqlAsync(primary.Port, "SELECT pg_current_wal_insert_lsn()", cancellationToken);
        var deadline = DateTime.UtcNow + timeout;
        while (await SqlAsync($"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", cancellationToken) != "t")
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the standby on port {Port} did not replay up to {target} within {timeout}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_deleteOnDispose)
        {
            try
            {
                Directory.Delete(Server.DataDir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind.
            }
        }
    }

    private Task<string> SqlAsync(string sql, CancellationToken cancellationToken) => SqlAsync(Port, sql, cancellationToken);

    private async Task<string> SqlAsync(int port, string sql, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(Path.Combine(_binDir, "psql"),
            ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-X", "-A", "-t", "-c", sql],
            cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql on port {port}: {sql} failed: {result.Output.Trim()}");
        }

        return result.StandardOutput.Trim();
    }

    private static async Task AppendAsync(string file, IEnumerable<string> lines, bool asPostgres, CancellationToken cancellationToken)
    {
        await File.AppendAllLinesAsync(file, lines, cancellationToken);
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", file], cancellationToken);
        }
    }

    private static Task RunAsync(string file, string[] args, CancellationToken cancellationToken) => RunAsync(file, asPostgres: false, args, cancellationToken);

    private static async Task RunAsync(string file, bool asPostgres, string[] args, CancellationToken cancellationToken)
    {
        var result = asPostgres
            ? await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", file, .. args], workingDirectory: "/", cancellationToken: cancellationToken)
            : await ProcessRunner.RunAsync(file, args, workingDirectory: "/", cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed with exit code {result.ExitCode}: {result.Output.Trim()}");
        }
    }
}
