using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Metrics.LocalStack.Ha;

/// <summary>
/// A highly available PostgreSQL cluster on loopback for failover tests and `metrics bench soak --ha`:
/// one etcd and <see cref="PatroniClusterOptions.Nodes"/> PostgreSQL servers, each run by its own
/// Patroni, with synchronous replication (Patroni's synchronous_mode: an acknowledged commit is on
/// the primary and on the synchronous standby). Everything runs as the `postgres` user when we are
/// root, in a folder of its own that dispose removes with every process it started.
/// </summary>
public sealed partial class PatroniCluster : IAsyncDisposable
{
    private const int StartAttempts = 3;

    private readonly PatroniClusterOptions _options;
    private readonly string _pgBin;
    private readonly bool _asPostgres;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly TextWriter? _log;
    private ServiceProcess? _etcd;
    private bool _disposed;

    private PatroniCluster(PatroniClusterOptions options, string directory, string pgBin, bool asPostgres, TextWriter? log)
    {
        _options = options;
        Directory = directory;
        _pgBin = pgBin;
        _asPostgres = asPostgres;
        _log = log;
    }

    /// <summary>The cluster's folder: etcd's data, one folder per node (data, patroni.yml, logs).</summary>
    public string Directory { get; }

    public IReadOnlyList<PatroniNode> Nodes { get; private set; } = [];

    /// <summary>
    /// Creates and starts the cluster; returns once a primary runs with a synchronous standby streaming.
    /// A port another program took meanwhile makes a new attempt on other ports.
    /// </summary>
    public static async Task<PatroniCluster> StartAsync(PatroniClusterOptions options, TextWriter? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Nodes < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "PatroniClusterOptions.Nodes must be at least 2 (a primary and a synchronous standby)");
        }

        var pgBin = await LocalPostgres.FindOrInstallBinariesAsync(log, cancellationToken);
        await FindOrInstallPatroniAsync(log, cancellationToken);
        var asPostgres = Environment.UserName == "root" || Environment.IsPrivilegedProcess;
        for (var attempt = 1; ; attempt++)
        {
            var directory = options.Directory is { } chosen && attempt == 1
                ? Path.GetFullPath(chosen)
                : Path.Combine(Path.GetTempPath(), "metrics-ha-" + Guid.NewGuid().ToString("N")[..8]);
            var cluster = new PatroniCluster(options, directory, pgBin, asPostgres, log);
            try
            {
                await cluster.StartOnceAsync(cancellationToken);
                return cluster;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException && attempt < StartAttempts && cluster.AnyPortTaken())
            {
                log?.WriteLine($"HA cluster: a port was taken ({e.Message.Split('\n')[0]}); starting again on other ports");
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// The URL writers use: every node, the read-write one chosen at connect time, so a client
    /// follows a new primary by reconnecting (libpq's multi-host form, as METRICS_DATABASE_URL takes it).
    /// </summary>
    public string WriterUrl(string database = "postgres") => MultiHostUrl(database, "target_session_attrs=read-write&hostrecheckseconds=1");

    /// <summary>The URL readers that accept a little staleness use: a standby when one is up, load-balanced.</summary>
    public string StandbyUrl(string database = "postgres") => MultiHostUrl(database, "target_session_attrs=prefer-standby&load_balance_hosts=random");

    /// <summary>Creates <paramref name="database"/> on the primary (replicated to every standby) and returns its <see cref="WriterUrl"/>.</summary>
    public async Task<string> CreateDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var primary = await PrimaryAsync(cancellationToken) ?? throw new InvalidOperationException("the HA cluster has no primary");
        await PsqlAsync(primary, "CREATE DATABASE \"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", cancellationToken);
        return WriterUrl(database);
    }

    /// <summary>The node Patroni names leader with its server running, null while there is none (a failover in progress).</summary>
    public async Task<PatroniNode?> PrimaryAsync(CancellationToken cancellationToken)
    {
        var members = await MembersAsync(cancellationToken);
        var leader = members.FirstOrDefault(m => m.Role is "leader" or "master" && m.State == "running");
        return leader is null ? null : Nodes.Single(n => n.Name == leader.Name);
    }

    /// <summary>
    /// Loses the primary's machine: kill -9 of its Patroni and of its postmaster with every child
    /// (backends and walsenders die with their connections). Only the postmaster would not do:
    /// a live Patroni restarts its server in place (crash recovery, no failover). The node stays down.
    /// </summary>
    public async Task<PatroniNode> KillPrimaryAsync(CancellationToken cancellationToken)
    {
        var primary = await PrimaryAsync(cancellationToken) ?? throw new InvalidOperationException("the HA cluster has no primary to kill");
        // Patroni first: alive, it would restart the server it sees die.
        primary.Patroni?.Kill();
        KillServer(primary);
        primary.Killed = true;
        _log?.WriteLine($"HA cluster: killed {primary.Name} (primary on port {primary.Port}) with kill -9");
        return primary;
    }

    /// <summary>
    /// A planned switchover to the synchronous standby through Patroni's REST API: the primary
    /// stops cleanly (every acknowledged commit already on the standby), the standby is promoted,
    /// and the old primary follows it as a standby. Returns the new primary.
    /// </summary>
    public async Task<PatroniNode> SwitchoverAsync(CancellationToken cancellationToken)
    {
        var primary = await PrimaryAsync(cancellationToken) ?? throw new InvalidOperationException("the HA cluster has no primary to switch over from");
        var members = await MembersAsync(cancellationToken);
        var candidate = members.FirstOrDefault(m => m.Role == "sync_standby")
            ?? throw new InvalidOperationException("the HA cluster has no synchronous standby to switch over to");
        // Patroni wants a Content-Length (no chunked body) and answers once the switchover is done.
        using var request = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["leader"] = primary.Name, ["candidate"] = candidate.Name }), Encoding.UTF8, "application/json");
        request.Headers.ContentLength = await request.ReadAsByteArrayAsync(cancellationToken) is var bytes ? bytes.Length : 0;
        using var slow = new HttpClient { Timeout = TimeSpan.FromSeconds(90) };
        using var response = await slow.PostAsync(new Uri(primary.Api, "/switchover"), request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Patroni refused the switchover from {primary.Name} to {candidate.Name}: {(int)response.StatusCode} {body}");
        }

        _log?.WriteLine($"HA cluster: switchover from {primary.Name} to {candidate.Name}: {body}");
        return await WaitForNewPrimaryAsync(primary, TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>
    /// Waits until a node other than <paramref name="previous"/> is the primary and accepts writes
    /// (pg_is_in_recovery() is false there), and returns it.
    /// </summary>
    public async Task<PatroniNode> WaitForNewPrimaryAsync(PatroniNode previous, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (await PrimaryAsync(cancellationToken) is { } primary && primary != previous && await AcceptsWritesAsync(primary, cancellationToken))
            {
                return primary;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new TimeoutException($"no new primary within {timeout.TotalSeconds:0} s after {previous.Name}:\n{Logs()}");
    }

    /// <summary>Waits until a standby streams synchronously from the primary (after a start or a switchover).</summary>
    public async Task WaitForSynchronousStandbyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            var members = await MembersAsync(cancellationToken);
            if (members.Any(m => m.Role is "leader" or "master" && m.State == "running")
                && members.Any(m => m.Role == "sync_standby" && m.State is "running" or "streaming"))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new TimeoutException($"no synchronous standby within {timeout.TotalSeconds:0} s:\n{Logs()}");
    }

    /// <summary>The last lines of etcd's and every Patroni's output (for a failure message).</summary>
    public string Logs() =>
        string.Join("\n", Nodes.Select(n => $"--- {n.Name} patroni:\n{Last(ReadLog(LogFile(n.Directory, "patroni-" + n.Name)), 15)}")
            .Prepend("--- etcd:\n" + Last(ReadLog(LogFile(Directory, "etcd")), 5)));

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;

        // Patroni first, while etcd is up (it releases its leader key there), each stopping its server.
        await Task.WhenAll(Nodes.Where(n => n.Patroni is not null).Select(async n => await n.Patroni!.DisposeAsync()));
        foreach (var node in Nodes)
        {
            KillServer(node);
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }

        _http.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log?.WriteLine($"HA cluster: could not remove {Directory}: {e.Message}");
        }
    }

    private string MultiHostUrl(string database, string settings) =>
        "postgres://postgres@" + string.Join(',', Nodes.Select(n => "127.0.0.1:" + n.Port.ToString(CultureInfo.InvariantCulture))) + "/" + database + "?" + settings;

    private static string Last(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>kill -9 of a node's postmaster and its children (their list is read first: once orphaned they belong to init).</summary>
    private static void KillServer(PatroniNode node)
    {
        if (node.PostmasterId() is not { } postmaster)
        {
            return;
        }

        var children = PatroniNode.Children(postmaster).ToList();
        foreach (var id in children.Prepend(postmaster))
        {
            try
            {
                using var process = Process.GetProcessById(id);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    private async Task<bool> AcceptsWritesAsync(PatroniNode node, CancellationToken cancellationToken)
    {
        try
        {
            return (await PsqlAsync(node, "SELECT pg_is_in_recovery()", cancellationToken)).Trim() == "f";
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<string> PsqlAsync(PatroniNode node, string sql, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(Path.Combine(_pgBin, "psql"),
            ["-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            new Dictionary<string, string> { ["PGCONNECT_TIMEOUT"] = "2" }, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        return result.ExitCode == 0 ? result.StandardOutput : throw new InvalidOperationException($"psql on {node.Name}: {result.Output.Trim()}");
    }

    /// <summary>The members as any live Patroni sees them (empty when none answers).</summary>
    private async Task<IReadOnlyList<Member>> MembersAsync(CancellationToken cancellationToken)
    {
        foreach (var node in Nodes.Where(n => !n.Killed))
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(node.Api, "/cluster"), cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    continue;
                }

                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                return [.. document.RootElement.GetProperty("members").EnumerateArray().Select(m => new Member(
                    m.GetProperty("name").GetString() ?? "",
                    m.TryGetProperty("role", out var role) ? role.GetString() ?? "" : "",
                    m.TryGetProperty("state", out var state) ? state.GetString() ?? "" : ""))];
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                // This Patroni is down or starting: ask the next.
            }
        }

        return [];
    }

    private sealed record Member(string Name, string Role, string State);
}
