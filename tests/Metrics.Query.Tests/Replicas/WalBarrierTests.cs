using Metrics.Query.Replicas;
using Metrics.Testing;
using NpgsqlTypes;

namespace Metrics.Query.Tests.Replicas;

public sealed class WalBarrierTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task NextAsync_ConcurrentCallers_EachGetsAPositionReadAfterItsCall()
    {
        var barrier = new WalBarrier(database.DataSource, TimeProvider.System, TimeSpan.FromSeconds(30));
        await using var table = database.DataSource.CreateCommand("CREATE TABLE IF NOT EXISTS barrier_probe (n int)");
        await table.ExecuteNonQueryAsync();

        // Each caller commits a row, notes the WAL position after that commit, then asks: the answer must not be before it.
        var callers = Enumerable.Range(0, 40).Select(async i =>
        {
            await using var insert = database.DataSource.CreateCommand("INSERT INTO barrier_probe VALUES ($1)");
            insert.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = i });
            await insert.ExecuteNonQueryAsync();
            await using var after = database.DataSource.CreateCommand("SELECT pg_current_wal_insert_lsn()");
            var committed = (ulong)(NpgsqlLogSequenceNumber)(await after.ExecuteScalarAsync())!;
            var position = await barrier.NextAsync(CancellationToken.None);
            return (Committed: committed, Position: position);
        });

        foreach (var (committed, position) in await Task.WhenAll(callers))
        {
            Assert.True(position >= WalBarrier.RecordEnd(committed, 8192, 16 * 1024 * 1024), $"barrier {position:X} is before a commit at {committed:X}");
        }
    }
}
