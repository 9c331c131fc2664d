using Metrics.Storage.Chunks;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkReadsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    // Series ids are per test: the chunk tables carry no foreign key, so no series row is needed.
    private static long _nextSeries = 1000;

    private static long NewSeries() => Interlocked.Increment(ref _nextSeries);

    private static ScalarChunkPoint P(long step, double value) => new(step, 1_700_000_000 + (step * 0.1), value);

    private async Task ImportAsync(long seriesId, IEnumerable<ScalarChunkPoint> points)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(_ct);
        await ScalarChunkImport.WriteAsync(connection, seriesId, points, _ct);
    }

    /// <summary>Rows of scalar_points as a database of schema version 2 left them (not yet converted).</summary>
    private async Task InsertLegacyAsync(long seriesId, params ScalarChunkPoint[] points)
    {
        foreach (var p in points)
        {
            await using var command = db.DataSource.CreateCommand("INSERT INTO scalar_points (series_id, step, wall_time, value) VALUES ($1, $2, $3, $4)");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = p.Step });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = p.WallTime });
            command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = p.Value });
            await command.ExecuteNonQueryAsync(_ct);
        }
    }

    [Fact]
    public async Task ReadPointsAsync_RangeAcrossChunks_ReturnsExactlyThePointsInStepOrder()
    {
        var series = NewSeries();
        var points = Enumerable.Range(0, 1000).Select(i => P(i * 3, Math.Sin(i))).ToList();
        await ImportAsync(series, points);

        var read = await ScalarChunkReads.ReadPointsAsync(db.DataSource, series, 300, 1500, _ct);

        Assert.Equal(points.Where(p => p.Step is >= 300 and <= 1500), read);
        Assert.Equal(4L, await StoredData.ScalarAsync(db.DataSource, "SELECT count(*) FROM scalar_chunks WHERE series_id = $1", series));
    }

    [Fact]
    public async Task ReadPointsAsync_Limit_StopsAfterThatManyPoints()
    {
        var series = NewSeries();
        await ImportAsync(series, Enumerable.Range(0, 600).Select(i => P(i, i)));

        var read = await ScalarChunkReads.ReadPointsAsync(db.DataSource, series, 250, long.MaxValue, _ct, limit: 10);

        Assert.Equal(Enumerable.Range(250, 10).Select(i => (long)i), read.Select(p => p.Step));
    }

    [Fact]
    public async Task ReadPointsAsync_LegacyRowsAndChunks_ReadsBothBitForBit()
    {
        var series = NewSeries();
        var payloadNaN = BitConverter.Int64BitsToDouble(unchecked((long)0xfff8_0000_dead_beefUL));
        await InsertLegacyAsync(series, P(1, -0.0), P(2, payloadNaN), P(3, double.PositiveInfinity));
        await ImportAsync(series, [P(10, 1.5), P(11, double.NaN)]);

        var read = await ScalarChunkReads.ReadPointsAsync(db.DataSource, series, long.MinValue, long.MaxValue, _ct);

        Assert.Equal([1L, 2L, 3L, 10L, 11L], read.Select(p => p.Step));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(read[0].Value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(payloadNaN), BitConverter.DoubleToInt64Bits(read[1].Value));
        Assert.Equal(double.PositiveInfinity, read[2].Value);
    }

    [Fact]
    public async Task StreamPointsAsync_RangeAcrossChunksAndLegacyRows_OneArrayPerRowClippedToTheRange()
    {
        var series = NewSeries();
        await InsertLegacyAsync(series, P(-5, 0.5), P(-2, double.NaN));
        var points = Enumerable.Range(0, 700).Select(i => P(i * 2, Math.Cos(i))).ToList();
        await ImportAsync(series, points);
        await using var connection = await db.DataSource.OpenConnectionAsync(_ct);

        var arrays = new List<ScalarChunkPoint[]>();
        await foreach (var chunk in ScalarChunkReads.StreamPointsAsync(connection, series, -3, 1001, _ct))
        {
            arrays.Add(chunk);
        }

        Assert.Equal([P(-2, double.NaN), .. points.Where(p => p.Step <= 1001)], arrays.SelectMany(a => a));
        // The legacy row, then the chunks of steps 0–510 and 512–1022 (clipped at 1001).
        Assert.Equal([1, 256, 245], arrays.Select(a => a.Length));
    }

    [Fact]
    public async Task ReadPointsAsync_ManySeries_GroupsBySeriesAndOmitsEmptyOnes()
    {
        var (a, b, empty) = (NewSeries(), NewSeries(), NewSeries());
        await ImportAsync(a, Enumerable.Range(0, 300).Select(i => P(i, i)));
        await ImportAsync(b, [P(5, 5), P(50, 50)]);
        await InsertLegacyAsync(b, P(70, 70));

        var read = await ScalarChunkReads.ReadPointsAsync(db.DataSource, [a, b, empty], 5, 260, _ct);

        Assert.Equal(Enumerable.Range(5, 256).Select(i => (long)i), read[a].Select(p => p.Step));
        Assert.Equal([5L, 50L, 70L], read[b].Select(p => p.Step));
        Assert.False(read.ContainsKey(empty));
    }

    [Fact]
    public async Task ReadRangeAsync_WholeChunksAsSummaries_EdgesDecodedAndClipped()
    {
        var series = NewSeries();
        var points = Enumerable.Range(0, 1024).Select(i => P(i, i == 600 ? -5 : i % 7)).ToList();
        await ImportAsync(series, points);

        var range = await ScalarChunkReads.ReadRangeAsync(db.DataSource, series, 100, 900, _ct);

        // Chunks are [0,255] [256,511] [512,767] [768,1023]: two whole ones inside, one edge on each side.
        Assert.Equal(points.Where(p => p.Step is >= 100 and <= 255), range.Head);
        Assert.Equal([256L, 512L], range.Blocks.Select(b => b.FirstStep));
        Assert.Equal(points.Where(p => p.Step is >= 768 and <= 900), range.Tail);
        Assert.Equal(801L, range.PointCount);
        var second = range.Blocks[1];
        Assert.Equal((512L, 767L, 256), (second.FirstStep, second.LastStep, second.Count));
        Assert.Equal(new ScalarChunkPoint(600, P(600, 0).WallTime, -5), second.Min);
        Assert.Equal(6, second.MaxValue);
        Assert.Null(second.FirstNaN);
    }

    [Fact]
    public async Task ReadRangeAsync_LegacyRows_AreOnePointBlocksWithTheirSummary()
    {
        var series = NewSeries();
        await InsertLegacyAsync(series, P(1, 2.5), P(2, double.NaN));

        var range = await ScalarChunkReads.ReadRangeAsync(db.DataSource, series, 0, 10, _ct);

        Assert.Empty(range.Head);
        Assert.Equal(2, range.Blocks.Count);
        Assert.Equal(2.5, range.Blocks[0].MinValue);
        Assert.Null(range.Blocks[0].FirstNaN);
        Assert.Null(range.Blocks[1].Min);
        Assert.Equal(2L, range.Blocks[1].FirstNaNStep);
    }

    [Fact]
    public async Task ReadRangeAsync_OneChunkAcrossBothEdges_PutsItsPointsInHead()
    {
        var series = NewSeries();
        await ImportAsync(series, Enumerable.Range(0, 100).Select(i => P(i, i)));

        var range = await ScalarChunkReads.ReadRangeAsync(db.DataSource, series, 10, 19, _ct);

        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i), range.Head.Select(p => p.Step));
        Assert.Empty(range.Blocks);
        Assert.Empty(range.Tail);
    }

    [Fact]
    public async Task ImportAsync_RepeatedStep_IsRefusedNamingIt()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ImportAsync(NewSeries(), [P(3, 1), P(3, 2)]));

        Assert.Contains("Step 3", error.Message, StringComparison.Ordinal);
    }
}
