using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.Replicas;

/// <summary>
/// One server of METRICS_DATABASE_READ_URL, with its own pool (so every connection of a request
/// pinned to it reaches the server that was checked) and the last replay position seen there.
/// </summary>
internal sealed partial class StandbyServer(string name, NpgsqlDataSource dataSource, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    /// <summary>A server that refused a connection is left alone this long before it is tried again.</summary>
    private static readonly TimeSpan RetryDownAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a server found to be a primary is taken to have everything without asking again: a
    /// primary can turn into a standby (a switchover, or a failover that rewinds it), and a dead one
    /// must not look fresh when its down time is over.
    /// </summary>
    private static readonly TimeSpan TrustPrimaryFor = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private long _replayed;
    private long _checks;
    private long _downUntil;
    private long _primaryUntil;
    private Task<ulong>? _check;
    private string? _server;
    private int _warned;

    /// <summary>host:port, for logs and metrics.</summary>
    public string Name => name;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>
    /// The replay position last seen (replay only moves forward, so a later read is at least this);
    /// 0 once the server was down, or when its last answer was "primary" and is no longer recent.
    /// </summary>
    public ulong Replayed
    {
        get
        {
            var replayed = (ulong)Interlocked.Read(ref _replayed);
            return replayed == ulong.MaxValue && time.GetTimestamp() >= Interlocked.Read(ref _primaryUntil) ? 0 : replayed;
        }
    }

    /// <summary>Replay positions read from the server so far.</summary>
    public long Checks => Interlocked.Read(ref _checks);

    public bool IsUp => time.GetTimestamp() >= Interlocked.Read(ref _downUntil);

    /// <summary>
    /// Reads the server's replay position (a check already running is shared); a server that is
    /// not in recovery (a primary) has everything. A failure marks the server down for a while.
    /// </summary>
    public Task<ulong> CheckAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_check is not { IsCompleted: false })
            {
                _check = ReadReplayedAsync();
            }

            return _check.WaitAsync(cancellationToken);
        }
    }

    private async Task<ulong> ReadReplayedAsync()
    {
        try
        {
            // A check of its own, not the caller's token: others may be waiting on it.
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            await using var command = dataSource.CreateCommand("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(), inet_server_addr() || ':' || inet_server_port()");
            await using var reader = await command.ExecuteReaderAsync(cancel.Token);
            await reader.ReadAsync(cancel.Token);
            var replayed = !reader.GetBoolean(0) ? ulong.MaxValue
                : reader.IsDBNull(1) ? 0
                : (ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(1);
            if (replayed == ulong.MaxValue)
            {
                Interlocked.Exchange(ref _primaryUntil, time.GetTimestamp() + (long)(TrustPrimaryFor.TotalSeconds * time.TimestampFrequency));
            }

            Interlocked.Exchange(ref _replayed, (long)replayed);
            Interlocked.Increment(ref _checks);
            NoteServer(reader.IsDBNull(2) ? name : reader.GetString(2));
            return replayed;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            MarkDown();
            throw new StandbyUnavailableException(name, e);
        }
    }

    /// <summary>
    /// Leaves the server alone for a while and forgets its position: it may come back rewound or as
    /// another timeline's standby, so it is asked before it serves a read again.
    /// </summary>
    public void MarkDown()
    {
        Interlocked.Exchange(ref _downUntil, time.GetTimestamp() + (long)(RetryDownAfter.TotalSeconds * time.TimestampFrequency));
        Interlocked.Exchange(ref _replayed, 0);
    }

    /// <summary>
    /// A host that answers from several servers (a load-balancing Service in front of standbys)
    /// cannot be pinned: a check of one says nothing of the next connection (docs/replicas.md).
    /// </summary>
    private void NoteServer(string server)
    {
        var previous = Interlocked.Exchange(ref _server, server);
        if (previous is not null && previous != server && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            LogSeveralServers(logger, name, previous, server);
        }
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    [LoggerMessage(3, LogLevel.Warning, "METRICS_DATABASE_READ_URL host {Host} reaches several servers ({First}, {Second}): reads there are fresh only if every server behind it applies commits before they are acknowledged (synchronous_commit = remote_apply); list the standbys one by one instead (docs/replicas.md)")]
    private static partial void LogSeveralServers(ILogger logger, string host, string first, string second);
}
