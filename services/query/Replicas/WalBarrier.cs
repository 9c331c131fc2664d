using Npgsql;
using NpgsqlTypes;

namespace Metrics.Query.Replicas;

/// <summary>
/// The primary's current WAL insert position, read once for many requests: a request gets a
/// position read by a query that started after the request arrived (so it covers every commit
/// acknowledged before that), and all requests arriving while one read is running share the next.
/// </summary>
internal sealed class WalBarrier(NpgsqlDataSource primary, TimeProvider time, TimeSpan timeout)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<ulong>? _next;
    private bool _reading;

    /// <summary>A WAL position at or past the end of every commit acknowledged before this call.</summary>
    public Task<ulong> NextAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_next is null)
            {
                _next = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (!_reading)
                {
                    _reading = true;
                    _ = Task.Run(ReadLoopAsync, CancellationToken.None);
                }
            }

            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            TaskCompletionSource<ulong> batch;
            lock (_lock)
            {
                if (_next is null)
                {
                    _reading = false;
                    return;
                }

                batch = _next;
                _next = null;
            }

            try
            {
                batch.SetResult(await ReadAsync());
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                batch.SetException(e);
            }
        }
    }

    private async Task<ulong> ReadAsync()
    {
        using var cancel = new CancellationTokenSource(timeout, time);
        // The insert position, not pg_current_wal_lsn(): with synchronous_commit off an acknowledged
        // commit may still sit in WAL buffers, past the write position.
        await using var command = primary.CreateCommand(
            """
            SELECT pg_current_wal_insert_lsn(), current_setting('wal_block_size')::int, pg_size_bytes(current_setting('wal_segment_size'))
            """);
        await using var reader = await command.ExecuteReaderAsync(cancel.Token);
        await reader.ReadAsync(cancel.Token);
        return RecordEnd((ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(0), reader.GetInt32(1), reader.GetInt64(2));
    }

    /// <summary>
    /// The insert position at the start of a page points past the page header, where no record
    /// ends; a standby's replay position then stops at the page boundary. Comparing against the
    /// boundary keeps an idle standby that has replayed everything from looking behind.
    /// </summary>
    internal static ulong RecordEnd(ulong insert, int blockSize, long segmentSize)
    {
        const int shortHeader = 24, longHeader = 40;
        if (insert % (ulong)segmentSize == longHeader)
        {
            return insert - longHeader;
        }

        return insert % (ulong)blockSize == shortHeader ? insert - shortHeader : insert;
    }
}
