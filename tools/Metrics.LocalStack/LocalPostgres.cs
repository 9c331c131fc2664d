using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Metrics.LocalStack;

/// <summary>
/// A private PostgreSQL cluster in a folder of our own, for `metrics up`, benchmarks and tests.
/// Finds the server binaries (installing Debian's postgresql with apt-get when they are missing
/// and we are root), runs initdb once, and starts the server on 127.0.0.1 only (TCP, no socket).
/// PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly bool _asPostgresUser;

    private LocalPostgres(string dataDir, int port, string binDir, bool asPostgresUser)
    {
        DataDir = dataDir;
        Port = port;
        _binDir = binDir;
        _asPostgresUser = asPostgresUser;
    }

    public string DataDir { get; }

    public int Port { get; }

    /// <summary>The postmaster's process id (first line of postmaster.pid), or null while the server is down.</summary>
    public int? PostmasterId
    {
        get
        {
            try
            {
                var first = File.ReadLines(Path.Combine(DataDir, "pgdata", "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>Stop the server when disposed (tests, benchmarks); `metrics up` stops it itself.</summary>
    public bool StopOnDispose { get; init; } = true;

    /// <summary>URL of the given database on this cluster.</summary>
    public string Url(string database = "postgres") =>
        string.Create(CultureInfo.InvariantCulture, $"postgres://postgres@127.0.0.1:{Port}/{database}");

    /// <summary>
    /// Creates (when new) and starts the cluster in <paramref name="dataDir"/>. A cluster that is
    /// already running there is reused. <paramref name="durable"/> false turns off fsync for tests.
    /// As root, when the `postgres` user cannot reach <paramref name="dataDir"/> (a clone in root's
    /// mode-700 home), the cluster lives in <see cref="RelocatedFolder"/> instead; <see cref="DataDir"/>
    /// says where it is. Without <paramref name="port"/>, a port that turns out to be taken when the
    /// server binds it is replaced by another (PostgreSQL cannot bind port 0 and report it).
    /// </summary>
    public static Task<LocalPostgres> StartAsync(string dataDir, int? port, bool durable, TextWriter? log, CancellationToken cancellationToken) =>
        StartAsync(dataDir, port, durable, log, candidatePorts: null, cancellationToken);

    /// <summary><see cref="StartAsync(string, int?, bool, TextWriter?, CancellationToken)"/> trying <paramref name="candidatePorts"/> first (tests).</summary>
    internal static async Task<LocalPostgres> StartAsync(string dataDir, int? port, bool durable, TextWriter? log, IEnumerable<int>? candidatePorts, CancellationToken cancellationToken)
    {
        var binDir = await FindOrInstallBinariesAsync(log, cancellationToken);
        var asPostgres = Environment.UserName == "root" || Environment.IsPrivilegedProcess;
        dataDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(dataDir);
        if (asPostgres)
        {
            dataDir = await PlaceForPostgresUserAsync(dataDir, log, cancellationToken);
        }

        var pgData = Path.Combine(dataDir, "pgdata");
        var portFile = Path.Combine(dataDir, "port");
        if (!File.Exists(Path.Combine(pgData, "PG_VERSION")))
        {
            log?.WriteLine($"Creating a PostgreSQL cluster in {pgData}");
            await RunPgAsync(binDir, asPostgres, "initdb", ["-D", pgData, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"], cancellationToken);
        }

        var pidFile = Path.Combine(pgData, "postmaster.pid");
        if (File.Exists(pidFile) && File.Exists(portFile) && await IsRunningAsync(binDir, asPostgres, pgData, cancellationToken))
        {
            var running = int.Parse(await File.ReadAllTextAsync(portFile, cancellationToken), CultureInfo.InvariantCulture);
            return new LocalPostgres(dataDir, running, binDir, asPostgres);
        }

        async Task<int> StartOnAsync(int chosen)
        {
            await File.WriteAllTextAsync(portFile, chosen.ToString(CultureInfo.InvariantCulture), cancellationToken);

            // TCP on loopback only: no Unix socket, whose path would break on spaces and on the
            // 107-byte limit of a deep clone.
            var settings = string.Join(' ',
                $"-p {chosen}",
                "-c listen_addresses=127.0.0.1",
                "-c unix_socket_directories=''",
                "-c max_connections=300",
                "-c shared_buffers=256MB",
                "-c max_wal_size=4GB",
                durable ? "-c fsync=on" : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            var serverLog = Path.Combine(dataDir, "postgres.log");
            var logged = File.Exists(serverLog) ? new FileInfo(serverLog).Length : 0;
            try
            {
                await RunPgAsync(binDir, asPostgres, "pg_ctl", ["-D", pgData, "-o", settings, "-l", serverLog, "-w", "-t", "60", "start"], cancellationToken);
            }
            catch (InvalidOperationException e) when (port is null && CouldNotBind(serverLog, logged))
            {
                throw new PortTakenException(chosen, e);
            }

            return chosen;
        }

        var started = port is { } explicitPort
            ? await StartOnAsync(explicitPort)
            : await LoopbackPorts.BindAsync(StartOnAsync, e => e is PortTakenException, candidatePorts);
        return new LocalPostgres(dataDir, started, binDir, asPostgres);
    }

    /// <summary>Whether the server log, after <paramref name="offset"/>, says the port was taken.</summary>
    private static bool CouldNotBind(string serverLog, long offset)
    {
        try
        {
            using var stream = new FileStream(serverLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            var added = new StreamReader(stream).ReadToEnd();
            return added.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                || added.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The postmaster could not bind its port (another program has it).</summary>
    private sealed class PortTakenException(int port, Exception inner)
        : InvalidOperationException($"port {port.ToString(CultureInfo.InvariantCulture)} is taken", inner);

    /// <summary>
    /// Where a cluster asked for in <paramref name="dataDir"/> lives when the `postgres` user cannot
    /// reach that folder: /var/lib/metrics/clusters/&lt;folder name&gt;-&lt;hash of the full path&gt;, the
    /// same for every start from the same folder (METRICS_LOCAL_CLUSTERS moves the parent).
    /// </summary>
    public static string RelocatedFolder(string dataDir)
    {
        var root = Environment.GetEnvironmentVariable("METRICS_LOCAL_CLUSTERS") is { Length: > 0 } configured
            ? configured
            : "/var/lib/metrics/clusters";
        var full = Path.GetFullPath(dataDir).TrimEnd('/');
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..16].ToLowerInvariant();

        // Named after the checkout (the first folder above that is not .metrics or postgres) for a person.
        var name = full.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()
            .FirstOrDefault(segment => !segment.StartsWith('.') && segment != "postgres") ?? "";
        var label = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return Path.Combine(root, (label.Length > 0 ? label + "-" : "") + hash);
    }

    /// <summary>
    /// The folder the cluster of <paramref name="dataDir"/> uses when run as the `postgres` user:
    /// <paramref name="dataDir"/> itself when that user can enter it, else <see cref="RelocatedFolder"/>,
    /// with a LOCATION note left in <paramref name="dataDir"/> so a person finds it.
    /// </summary>
    private static async Task<string> PlaceForPostgresUserAsync(string dataDir, TextWriter? log, CancellationToken cancellationToken)
    {
        await RunAsync("chown", ["postgres:postgres", dataDir], null, cancellationToken);
        if (await PostgresUserCanUseAsync(dataDir, cancellationToken))
        {
            return dataDir;
        }

        var relocated = RelocatedFolder(dataDir);
        var created = !Directory.Exists(relocated);
        Directory.CreateDirectory(relocated);
        for (var dir = new DirectoryInfo(relocated); OperatingSystem.IsLinux() && dir is not null && dir.FullName != "/"; dir = dir.Parent)
        {
            // Only the folders we may have created: /var and /var/lib stay as they are.
            if (dir.FullName.StartsWith("/var/lib/", StringComparison.Ordinal) || dir.FullName == relocated)
            {
                dir.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.GroupExecute;
            }
        }

        await RunAsync("chown", ["postgres:postgres", relocated], null, cancellationToken);
        if (!await PostgresUserCanUseAsync(relocated, cancellationToken))
        {
            throw new InvalidOperationException(
                $"the postgres user can reach neither {dataDir} nor {relocated}; give --data-dir a folder under /tmp or /var/tmp, or set METRICS_LOCAL_CLUSTERS to a folder the postgres user can enter.");
        }

        var note = Path.Combine(dataDir, "LOCATION");
        await File.WriteAllTextAsync(note,
            $"""
            The PostgreSQL cluster of this stack is in {relocated}
            (PostgreSQL runs as the postgres user, who cannot enter {dataDir}).
            Remove it with: rm -rf '{relocated}'

            """, cancellationToken);
        if (created)
        {
            log?.WriteLine($"The postgres user cannot enter {dataDir}: PostgreSQL's data goes to {relocated} (see {note})");
        }
        else
        {
            log?.WriteLine($"PostgreSQL's data for this folder is in {relocated}");
        }

        return relocated;
    }

    private static async Task<bool> PostgresUserCanUseAsync(string dir, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync("runuser", ["-u", "postgres", "--", "test", "-w", dir, "-a", "-x", dir], null, cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Stops the server (fast shutdown), keeping the data.</summary>
    public Task StopAsync(CancellationToken cancellationToken) =>
        RunPgAsync(_binDir, _asPostgresUser, "pg_ctl", ["-D", Path.Combine(DataDir, "pgdata"), "-m", "fast", "-w", "stop"], cancellationToken);

    /// <summary>Kills the server as a crash would (immediate shutdown), then starts it again.</summary>
    public async Task RestartAsync(bool immediate, CancellationToken cancellationToken)
    {
        var pgData = Path.Combine(DataDir, "pgdata");
        // -l as at start: without it the new postmaster inherits pg_ctl's stdout, our pipe, and
        // waiting for pg_ctl (which waits for the pipe's end) would never return.
        await RunPgAsync(_binDir, _asPostgresUser, "pg_ctl",
            ["-D", pgData, "-m", immediate ? "immediate" : "fast", "-l", Path.Combine(DataDir, "postgres.log"), "-w", "-t", "60", "restart"], cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (StopOnDispose)
        {
            try
            {
                await StopAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
    }

    /// <summary>The folder of the PostgreSQL server binaries, installing them if needed.</summary>
    public static async Task<string> FindOrInstallBinariesAsync(TextWriter? log, CancellationToken cancellationToken)
    {
        if (FindBinaries() is { } found)
        {
            return found;
        }

        if (!(Environment.UserName == "root" || Environment.IsPrivilegedProcess))
        {
            throw new InvalidOperationException("PostgreSQL server binaries (initdb, pg_ctl) were not found; install them with `sudo apt-get install -y postgresql`.");
        }

        log?.WriteLine("PostgreSQL is not installed: installing it with apt-get (one time)");
        await RunAsync("apt-get", ["update", "-qq"], null, cancellationToken);
        await RunAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql"], new() { ["DEBIAN_FRONTEND"] = "noninteractive" }, cancellationToken);
        return FindBinaries() ?? throw new InvalidOperationException("apt-get installed postgresql but initdb is still not found.");
    }

    private static string? FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("METRICS_PG_BIN") is { Length: > 0 } configured && File.Exists(Path.Combine(configured, "initdb")))
        {
            return configured;
        }

        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var best = Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return best.Dir;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        return null;
    }

    private static async Task<bool> IsRunningAsync(string binDir, bool asPostgres, string pgData, CancellationToken cancellationToken)
    {
        try
        {
            await RunPgAsync(binDir, asPostgres, "pg_ctl", ["-D", pgData, "status"], cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static Task RunPgAsync(string binDir, bool asPostgres, string tool, string[] args, CancellationToken cancellationToken)
    {
        var exe = Path.Combine(binDir, tool);
        return asPostgres
            ? RunAsync("runuser", ["-u", "postgres", "--", exe, .. args], null, cancellationToken)
            : RunAsync(exe, args, null, cancellationToken);
    }

    private static async Task RunAsync(string file, string[] args, Dictionary<string, string>? env, CancellationToken cancellationToken)
    {
        // No time limit: apt-get on a slow mirror takes what it takes.
        var result = await ProcessRunner.RunAsync(file, args, env, workingDirectory: "/", timeout: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed with exit code {result.ExitCode}: {result.Output.Trim()}");
        }
    }
}
