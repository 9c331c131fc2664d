using Metrics.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Replicas;

/// <summary>
/// Chooses where a request reads (docs/replicas.md): with no standby configured, the primary; else
/// the request takes the read barrier (the primary's WAL position, shared between concurrent
/// requests) and reads the next standby, in turn, that has replayed past it, waiting for one up
/// to METRICS_READ_FRESHNESS_TIMEOUT_MS, and otherwise reads the primary.
/// </summary>
internal sealed partial class ReadReplicas : IAsyncDisposable
{
    /// <summary>How often a waiting request asks the standbys again.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>How long the primary's WAL position may take before a request reads a standby without it.</summary>
    private static readonly TimeSpan BarrierTimeout = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _primary;
    private readonly StandbyServer[] _standbys;
    private readonly WalBarrier _barrier;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ReadReplicaMetrics _metrics;
    private readonly ILogger<ReadReplicas> _logger;
    private int _turn;

    public ReadReplicas(
        NpgsqlDataSource primary,
        IOptions<ReadReplicaOptions> options,
        IOptions<DatabaseOptions> database,
        TimeProvider time,
        ReadReplicaMetrics metrics,
        ILogger<ReadReplicas> logger)
    {
        _primary = primary;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _timeout = TimeSpan.FromMilliseconds(options.Value.FreshnessTimeoutMs);
        _barrier = new WalBarrier(primary, time, BarrierTimeout);
        _standbys = options.Value.ReadUrl is { Length: > 0 } url
            ? [.. Servers(url).Select(s => new StandbyServer(s.Name, MetricsDataSource.Create(s.ConnectionString, database.Value.MaxPoolSize, database.Value.CommandTimeoutSeconds, "metrics-query-read", database.Value.MinPoolSize ?? 0), time, logger))]
            : [];
    }

    public IReadOnlyList<StandbyServer> Standbys => _standbys;

    /// <summary>The data source for a request whose reads may go to a standby.</summary>
    public async ValueTask<NpgsqlDataSource> ChooseAsync(CancellationToken cancellationToken)
    {
        if (_standbys.Length == 0)
        {
            return _primary;
        }

        var started = _time.GetTimestamp();
        var first = (int)((uint)Interlocked.Increment(ref _turn) % (uint)_standbys.Length);
        ulong barrier;
        try
        {
            barrier = await _barrier.NextAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The primary is unreachable (a failover): serve from a standby that answers rather than fail.
            LogBarrierFailed(_logger, e);
            return await AnyStandbyAsync(first, started, cancellationToken);
        }

        var left = _timeout - _time.GetElapsedTime(started);
        using var timer = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var reachable = false;
        var waited = false;
        try
        {
            // The host whose turn it is, if it has replayed far enough (asked when its last known
            // position is behind); else any host already known to be far enough; else wait for one.
            var turn = _standbys[first];
            if (turn.IsUp && (turn.Replayed >= barrier || await TryCheckAsync(turn, deadline.Token) >= barrier))
            {
                _metrics.ReadStandby(turn.Name, waited: false, _time.GetElapsedTime(started));
                return turn.DataSource;
            }

            foreach (var standby in InTurn(first).Skip(1))
            {
                if (standby.IsUp && standby.Replayed >= barrier)
                {
                    _metrics.ReadStandby(standby.Name, waited: false, _time.GetElapsedTime(started));
                    return standby.DataSource;
                }
            }

            while (true)
            {
                reachable = false;
                foreach (var standby in InTurn(first).Where(s => s.IsUp))
                {
                    if (await TryCheckAsync(standby, deadline.Token) >= barrier)
                    {
                        _metrics.ReadStandby(standby.Name, waited, _time.GetElapsedTime(started));
                        return standby.DataSource;
                    }

                    reachable |= standby.IsUp;
                }

                if (!reachable)
                {
                    break;
                }

                waited = true;
                await Task.Delay(PollInterval, _time, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Out of time: the primary has everything.
            reachable = true;
        }

        _metrics.ReadPrimary(reachable ? "behind" : "unavailable", _time.GetElapsedTime(started));
        return _primary;
    }

    /// <summary>
    /// With no barrier (the primary cannot be asked): the first standby, in turn, that answers a
    /// check now, so a host that died with the primary is skipped; the primary when none answers.
    /// </summary>
    private async Task<NpgsqlDataSource> AnyStandbyAsync(int first, long started, CancellationToken cancellationToken)
    {
        foreach (var standby in InTurn(first).Where(s => s.IsUp))
        {
            // Any position will do: that the server answers, not its freshness, is what counts here
            // (a failed check marks it down).
            await TryCheckAsync(standby, cancellationToken);
            if (standby.IsUp)
            {
                _metrics.BarrierFailed(standby.Name);
                return standby.DataSource;
            }
        }

        _metrics.ReadPrimary("unavailable", _time.GetElapsedTime(started));
        return _primary;
    }

    /// <summary>A request pinned to the primary (counted, so standby and primary reads add up).</summary>
    public NpgsqlDataSource Primary()
    {
        if (_standbys.Length > 0)
        {
            _metrics.ReadPrimary(fallback: null, TimeSpan.Zero);
        }

        return _primary;
    }

    /// <summary>
    /// A read on <paramref name="dataSource"/> failed with a transient database error: true when
    /// it was a standby's (worth another try elsewhere), which is marked down when the error says
    /// the server is gone rather than that one statement failed (a recovery conflict).
    /// </summary>
    public bool StandbyFailed(NpgsqlDataSource dataSource, Exception exception)
    {
        var standby = Array.Find(_standbys, s => ReferenceEquals(s.DataSource, dataSource));
        if (standby is null)
        {
            return false;
        }

        if (exception is not PostgresException { SqlState: "40001" or "40P01" })
        {
            standby.MarkDown();
        }

        LogStandbyReadFailed(_logger, standby.Name, exception.Message);
        return true;
    }

    /// <summary>The replay position <paramref name="standby"/> reports now, or 0 when it cannot be asked (it is then marked down).</summary>
    private async Task<ulong> TryCheckAsync(StandbyServer standby, CancellationToken cancellationToken)
    {
        try
        {
            return await standby.CheckAsync(cancellationToken);
        }
        catch (StandbyUnavailableException e)
        {
            LogStandbyUnavailable(_logger, standby.Name, e.InnerException?.Message ?? e.Message);
            return 0;
        }
    }

    private IEnumerable<StandbyServer> InTurn(int first)
    {
        for (var i = 0; i < _standbys.Length; i++)
        {
            yield return _standbys[(first + i) % _standbys.Length];
        }
    }

    /// <summary>
    /// One connection string per host of <paramref name="readUrl"/> (any form METRICS_DATABASE_URL
    /// takes): each pool then reaches one server, so a check of that server holds for the whole request.
    /// </summary>
    internal static IReadOnlyList<(string Name, string ConnectionString)> Servers(string readUrl)
    {
        var builder = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(readUrl, "METRICS_DATABASE_READ_URL"));
        var hosts = (builder.Host ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length == 0)
        {
            throw new FormatException("METRICS_DATABASE_READ_URL names no host.");
        }

        var servers = new List<(string, string)>();
        foreach (var host in hosts)
        {
            var one = new NpgsqlConnectionStringBuilder(builder.ConnectionString)
            {
                Host = host,
                TargetSessionAttributes = null,
                LoadBalanceHosts = false,
            };
            var name = host.Contains(':', StringComparison.Ordinal) && !host.EndsWith(']')
                ? host
                : host + ":" + one.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            servers.Add((name, one.ConnectionString));
        }

        return servers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var standby in _standbys)
        {
            await standby.DisposeAsync();
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Standby {Server} is unavailable for reads: {Reason}")]
    private static partial void LogStandbyUnavailable(ILogger logger, string server, string reason);

    [LoggerMessage(4, LogLevel.Warning, "A read on standby {Server} failed ({Reason}); the request is read again elsewhere")]
    private static partial void LogStandbyReadFailed(ILogger logger, string server, string reason);

    [LoggerMessage(2, LogLevel.Warning, "The primary's WAL position could not be read; this request reads a standby without the freshness barrier")]
    private static partial void LogBarrierFailed(ILogger logger, Exception exception);
}
