using Metrics.Storage.Chunks;
using Metrics.Storage.Writes;
using Metrics.Testing;
using Npgsql;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

/// <summary>
/// Random write histories through <see cref="PointWriter"/> (appends, out-of-order and duplicate
/// steps within and across batches, group commits, restarts, legacy scalar_points rows at the
/// start, two writers on two runs committing concurrently while compaction passes run beside them)
/// against a per-point model: every read equals the model and the series' rows never overlap.
/// Seeds are fixed, so a failure names the history that shows it.
/// </summary>
public sealed class ScalarHistoryPropertyTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const int Operations = 40;
    private static readonly string[] Tags = ["loss", "acc", "lr"];

    private readonly CancellationToken _ct = CancellationToken.None;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task RandomHistories_EveryReadEqualsThePerPointModel(int seed)
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync($"history-{seed}", _ct);
        var writers = new List<HistoryWriter>();
        for (var w = 0; w < 2; w++)
        {
            var run = (await store.OpenRunAsync(project, $"run-{w}", "w", restartAtStep: null, cancellationToken: _ct)).RunId;
            writers.Add(new HistoryWriter(new PointWriter(db.DataSource), run, new Random((seed * 100) + w)));
        }

        foreach (var writer in writers)
        {
            await writer.StartAsync(db.DataSource, legacy: writer == writers[0], _ct);
        }

        using var stop = new CancellationTokenSource();
        var compaction = Task.Run(
            async () =>
            {
                var merged = 0;
                while (!stop.IsCancellationRequested)
                {
                    merged += (await ScalarChunkCompactor.CompactOnceAsync(db.DataSource, _ct)).Rows;
                    await Task.Delay(5, _ct);
                }

                return merged;
            },
            _ct);
        await Task.WhenAll(writers.Select(w => w.RunAsync(Operations, _ct)));
        await stop.CancelAsync();
        var mergedMeanwhile = await compaction;

        foreach (var writer in writers)
        {
            await AssertMatchesModelAsync(writer, seed);
        }

        await AssertNoOverlapAsync();

        // A compaction to the end changes no visible point and leaves nothing to merge.
        var mergedAtEnd = await ScalarChunkCompactor.CompactAllAsync(db.DataSource, _ct);
        foreach (var writer in writers)
        {
            await AssertMatchesModelAsync(writer, seed);
        }

        await AssertNoOverlapAsync();
        Assert.Equal(0L, await ScalarAsync(db.DataSource, "SELECT count(*) FROM scalar_points"));
        Assert.Equal(0, (await ScalarChunkCompactor.CompactOnceAsync(db.DataSource, _ct)).Rows);

        // The legacy rows alone guarantee work for compaction, during the history or at its end.
        Assert.True(mergedMeanwhile + mergedAtEnd > 0);
    }

    private async Task AssertMatchesModelAsync(HistoryWriter writer, int seed)
    {
        var random = new Random(seed);
        foreach (var tag in Tags)
        {
            var model = writer.Model[tag];
            var seriesId = await ScalarAsync(db.DataSource, "SELECT series_id FROM series WHERE run_id = $1 AND tag = $2", writer.RunId, tag);
            var expected = model.Values.ToList();

            var all = await ScalarChunkReads.ReadPointsAsync(db.DataSource, seriesId, long.MinValue, long.MaxValue, _ct);
            AssertSamePoints(expected, all, $"seed {seed} run {writer.RunId} '{tag}': all points");

            var (count, min, max) = await SeriesStatsAsync(db.DataSource, writer.RunId, tag);
            Assert.Equal(expected.Count, count);
            Assert.Equal(expected.Count == 0 ? null : expected[0].Step, min);
            Assert.Equal(expected.Count == 0 ? null : expected[^1].Step, max);

            var top = expected.Count == 0 ? 10 : expected[^1].Step + 2;
            for (var r = 0; r < 5; r++)
            {
                var a = random.NextInt64(-2, top);
                var b = random.NextInt64(a, top + 1);
                var inRange = expected.Where(p => p.Step >= a && p.Step <= b).ToList();

                var points = await ScalarChunkReads.ReadPointsAsync(db.DataSource, seriesId, a, b, _ct);
                AssertSamePoints(inRange, points, $"seed {seed} '{tag}' [{a}, {b}]");

                var range = await ScalarChunkReads.ReadRangeAsync(db.DataSource, seriesId, a, b, _ct);
                Assert.Equal(inRange.Count, range.PointCount);
                AssertSamePoints(inRange.Where(p => range.Blocks.Count == 0 || p.Step < range.Blocks[0].FirstStep).ToList(), range.Head, "head");
                AssertSamePoints(inRange.Where(p => range.Blocks.Count > 0 && p.Step > range.Blocks[^1].LastStep).ToList(), range.Tail, "tail");
                foreach (var block in range.Blocks)
                {
                    var inBlock = inRange.Where(p => p.Step >= block.FirstStep && p.Step <= block.LastStep).ToList();
                    Assert.Equal(Summarize(inBlock), block);
                }
            }
        }
    }

    /// <summary>The summary the model's points give, with the same rules as ChunkSummaryBuilder (first of ties, NaN apart).</summary>
    private static ChunkSummary Summarize(List<ScalarChunkPoint> points)
    {
        var values = points.Where(p => !double.IsNaN(p.Value)).ToList();
        ScalarChunkPoint? Pick(Func<ScalarChunkPoint, ScalarChunkPoint, bool> better) =>
            values.Count == 0 ? null : values.Aggregate((best, p) => better(p, best) ? p : best);
        return new ChunkSummary(
            points.Count,
            points[0],
            points[^1],
            Pick((p, best) => p.Value < best.Value),
            Pick((p, best) => p.Value > best.Value),
            points.Cast<ScalarChunkPoint?>().FirstOrDefault(p => double.IsNaN(p!.Value.Value)));
    }

    private static void AssertSamePoints(List<ScalarChunkPoint> expected, List<ScalarChunkPoint> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} points, the model has {expected.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            // Bit patterns: NaN payloads and -0.0 must come back as written.
            var same = expected[i].Step == actual[i].Step
                && BitConverter.DoubleToInt64Bits(expected[i].WallTime) == BitConverter.DoubleToInt64Bits(actual[i].WallTime)
                && BitConverter.DoubleToInt64Bits(expected[i].Value) == BitConverter.DoubleToInt64Bits(actual[i].Value);
            Assert.True(same, $"{what}: point {i} is {actual[i]}, the model has {expected[i]}");
        }
    }

    private async Task AssertNoOverlapAsync()
    {
        Assert.Equal(0L, await ScalarAsync(
            db.DataSource,
            """
            SELECT count(*) FROM (
                SELECT first_step, lag(last_step) OVER (PARTITION BY series_id ORDER BY first_step) AS previous_last
                FROM all_scalar_chunks
            ) x WHERE previous_last >= first_step
            """));
        Assert.Equal(0L, await ScalarAsync(
            db.DataSource,
            "SELECT count(*) FROM scalar_chunks c JOIN scalar_points p ON p.series_id = c.series_id AND p.step = c.first_step"));
    }

    /// <summary>One writer of one run: sends random batches and keeps the model of what must be visible.</summary>
    private sealed class HistoryWriter(PointWriter writer, long runId, Random random)
    {
        private long _seq;

        public long RunId { get; } = runId;

        public Dictionary<string, SortedList<long, ScalarChunkPoint>> Model { get; } = Tags.ToDictionary(t => t, _ => new SortedList<long, ScalarChunkPoint>());

        /// <summary>Creates the series; with <paramref name="legacy"/> puts points in scalar_points as schema version 2 left them.</summary>
        public async Task StartAsync(NpgsqlDataSource dataSource, bool legacy, CancellationToken cancellationToken)
        {
            await Commit([new WriteBatch { RunId = RunId, WriterId = "w", Seq = ++_seq, Metadata = [.. Tags.Select(Scalar)] }], cancellationToken);
            if (!legacy)
            {
                return;
            }

            foreach (var tag in Tags)
            {
                var points = Enumerable.Range(0, random.Next(1, 400)).Select(i => Point(i * 2)).ToList();
                await using var command = dataSource.CreateCommand(
                    """
                    WITH s AS (SELECT series_id FROM series WHERE run_id = $1 AND tag = $2),
                    i AS (
                        INSERT INTO scalar_points (series_id, step, wall_time, value)
                        SELECT s.series_id, v.step, v.wall_time, v.value FROM s, unnest($3::bigint[], $4::float8[], $5::float8[]) AS v(step, wall_time, value)
                    )
                    UPDATE series SET point_count = cardinality($3), min_step = $3[1], max_step = $3[cardinality($3)] WHERE run_id = $1 AND tag = $2
                    """);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RunId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. points.Select(p => p.Step)] });
                command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.WallTime)] });
                command.Parameters.Add(new NpgsqlParameter<double[]> { TypedValue = [.. points.Select(p => p.Value)] });
                await command.ExecuteNonQueryAsync(cancellationToken);
                foreach (var p in points)
                {
                    Model[tag][p.Step] = p;
                }
            }
        }

        public async Task RunAsync(int operations, CancellationToken cancellationToken)
        {
            for (var op = 0; op < operations; op++)
            {
                // Group commits of one to three batches, as the ingest committer makes them.
                var batches = Enumerable.Range(0, random.Next(1, 4)).Select(_ => NextBatch()).ToList();
                await Commit(batches, cancellationToken);
            }
        }

        private async Task Commit(List<WriteBatch> batches, CancellationToken cancellationToken)
        {
            var result = await writer.CommitAsync(batches, cancellationToken);
            Assert.All(result.Batches, b => Assert.Equal(BatchOutcome.Committed, b.Outcome));
        }

        private WriteBatch NextBatch()
        {
            long? restart = null;
            if (random.Next(12) == 0)
            {
                restart = random.NextInt64(0, MaxStep() + 2);
                foreach (var series in Model.Values)
                {
                    foreach (var step in series.Keys.Where(s => s >= restart).ToList())
                    {
                        series.Remove(step);
                    }
                }
            }

            var scalars = new List<ScalarPoints>();
            foreach (var tag in Tags.Where(_ => random.Next(3) > 0))
            {
                var model = Model[tag];
                var max = model.Count == 0 ? -1 : model.Keys[^1];
                var count = random.Next(6) switch
                {
                    0 => random.Next(200, 700),
                    _ => random.Next(1, 20),
                };
                var points = new List<ScalarChunkPoint>(count);
                for (var i = 0; i < count; i++)
                {
                    var step = random.Next(10) switch
                    {
                        // A rewrite of an old step, or a step inside the stored range not yet written.
                        0 => random.NextInt64(0, max + 2),
                        // A duplicate within the batch: the later one wins.
                        1 when points.Count > 0 => points[random.Next(points.Count)].Step,
                        _ => ++max,
                    };
                    max = Math.Max(max, step);
                    points.Add(Point(step));
                }

                // Out of order within the batch.
                if (random.Next(4) == 0)
                {
                    points = [.. points.OrderBy(_ => random.Next())];
                }

                foreach (var p in points)
                {
                    model[p.Step] = p;
                }

                scalars.Add(new ScalarPoints(tag, [.. points.Select(p => p.Step)], [.. points.Select(p => p.WallTime)], [.. points.Select(p => p.Value)]));
            }

            return new WriteBatch { RunId = RunId, WriterId = "w", Seq = ++_seq, RestartAtStep = restart, Scalars = scalars };
        }

        private long MaxStep() => Model.Values.Select(m => m.Count == 0 ? -1 : m.Keys[^1]).Max();

        private ScalarChunkPoint Point(long step)
        {
            var value = random.Next(40) switch
            {
                0 => double.NaN,
                1 => -0.0,
                2 => double.PositiveInfinity,
                _ => Math.Round(random.NextDouble() * 10, random.Next(1, 6)),
            };
            return new ScalarChunkPoint(step, 1_700_000_000 + (step * 0.5) + random.NextDouble(), value);
        }
    }
}
