using System.Globalization;
using Metrics.LocalStack;
using Metrics.Storage;
using Metrics.Storage.Chunks;
using Metrics.Storage.Writes;
using Npgsql;

namespace Metrics.Bench.Storage;

/// <summary>
/// `metrics bench storage`: bytes a scalar point takes on disk in PostgreSQL, beside the same
/// points as TensorBoard event files. Realistic curves (<see cref="CurveKind.All"/>) are written
/// through the real write path (<see cref="PointWriter"/>, one batch per run per SDK flush, the
/// runs' batches of a flush committed together as ingest groups them), each kind in a database of
/// its own so its size is its own. While writing, a compaction pass and a VACUUM run every
/// <see cref="StorageBenchmarkOptions.CompactEveryFlushes"/> flushes, as ingest's background
/// compaction and autovacuum do. Sizes are pg_total_relation_size of the scalar tables after a
/// VACUUM: after writing; after a final <see cref="ScalarChunkCompactor.CompactAllAsync"/> (the
/// figure); and after VACUUM FULL (the live data alone, no free space left in the files).
/// </summary>
public static class StorageBenchmark
{
    private const string WriterId = "bench";

    /// <summary>What the figures include, printed with them.</summary>
    public const string Included = "pg_total_relation_size of scalar_points and scalar_chunks (heap, indexes, TOAST, free-space and visibility maps) after VACUUM; series, runs and WAL not counted";

    public static async Task<BenchResult> RunAsync(StorageBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Runs < 1)
        {
            throw new ArgumentException("--runs must be at least 1", nameof(options));
        }

        if (!(options.FlushSeconds > 0))
        {
            throw new ArgumentException("--flush-seconds must be positive", nameof(options));
        }

        if (options.CompactEveryFlushes < 0)
        {
            throw new ArgumentException("--compact-every must be 0 or more", nameof(options));
        }

        var kinds = CurveKind.All;
        var perKind = options.Points / kinds.Count;
        if (kinds.Any(k => perKind / (options.Runs * k.Tags.Count) < 1))
        {
            throw new ArgumentException($"--points must be at least {kinds.Max(k => k.Tags.Count) * options.Runs * kinds.Count} for {options.Runs} runs of {kinds.Count} curve kinds", nameof(options));
        }

        var root = Path.Combine(Path.GetTempPath(), "metrics-bench-storage-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        LocalPostgres? postgres = null;
        try
        {
            var serverUrl = options.DatabaseUrl;
            if (serverUrl is null)
            {
                options.Log?.WriteLine("Starting a private PostgreSQL in " + root);
                postgres = await LocalPostgres.StartAsync(Path.Combine(root, "pg"), port: null, durable: false, options.Log, cancellationToken);
                serverUrl = postgres.Url();
            }

            var suffix = Guid.NewGuid().ToString("N")[..6];
            var results = await Task.WhenAll(kinds.Select((kind, k) =>
                MeasureKindAsync(kind, k, perKind / (options.Runs * kind.Tags.Count), serverUrl, $"bench_storage_{kind.Name}_{suffix}", Path.Combine(root, "events"), options, cancellationToken)));
            options.Log?.WriteLine(Table(results));
            return Result(results, options);
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            ScratchFolder.TryDelete(root);
        }
    }

    private static async Task<StorageKindResult> MeasureKindAsync(
        CurveKind kind, int index, int pointsPerTag, string serverUrl, string database, string eventsRoot, StorageBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var runs = await Task.Run(() => Enumerable.Range(0, options.Runs).Select(r => TrainingRun.Create(kind, r, pointsPerTag, seed: (index * 1000) + r)).ToList(), cancellationToken);
        var points = runs.Sum(r => r.PointCount);
        var eventBytes = await Task.Run(() => EventFileSizes.Write(Path.Combine(eventsRoot, kind.Name), kind, runs), cancellationToken);

        await AdminAsync(serverUrl, $"CREATE DATABASE {database}", cancellationToken);
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(serverUrl)) { Database = database }.ConnectionString;
            await using var db = MetricsDataSource.Create(connectionString, maxPoolSize: 4, commandTimeoutSeconds: 0);
            await new SchemaMigrator(db).MigrateAsync(cancellationToken);
            options.Log?.WriteLine($"{kind.Name}: writing {points:N0} points, {options.Runs} runs × {kind.Tags.Count} tags, a batch per run every {options.FlushSeconds} s of run time"
                + (options.CompactEveryFlushes > 0 ? $", a compaction pass and VACUUM every {options.CompactEveryFlushes} flushes" : ", no compaction while writing"));
            await WriteAsync(db, runs, options.FlushSeconds, options.CompactEveryFlushes, cancellationToken);
            await ExpectStoredAsync(db, kind, points, "written", cancellationToken);

            var written = await StorageSizes.MeasureAsync(db, full: false, cancellationToken);
            options.Log?.WriteLine($"{kind.Name}: compacting");
            var merged = await ScalarChunkCompactor.CompactAllAsync(db, cancellationToken);
            await ExpectStoredAsync(db, kind, points, "compacted", cancellationToken);
            var compacted = await StorageSizes.MeasureAsync(db, full: false, cancellationToken);

            var live = await StorageSizes.MeasureAsync(db, full: true, cancellationToken);
            return new StorageKindResult(kind, points, written, compacted, live, eventBytes) { RowsMerged = merged };
        }
        finally
        {
            await AdminAsync(serverUrl, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
        }
    }

    /// <summary>
    /// Every run's flushes in turn, the runs' flushes of the same moment in one commit (as ingest
    /// groups concurrent writers' batches), with a compaction pass and a VACUUM every
    /// <paramref name="compactEvery"/> rounds (0: none).
    /// </summary>
    private static async Task WriteAsync(NpgsqlDataSource db, List<TrainingRun> runs, double flushSeconds, int compactEvery, CancellationToken cancellationToken)
    {
        var store = new RunStore(db);
        var project = await store.EnsureProjectAsync("bench", cancellationToken);
        var writer = new PointWriter(db);
        var ids = new long[runs.Count];
        for (var r = 0; r < runs.Count; r++)
        {
            ids[r] = (await store.OpenRunAsync(project, runs[r].Name, WriterId, cancellationToken: cancellationToken)).RunId;
        }

        var flushes = runs.Select(r => r.Flushes(flushSeconds).GetEnumerator()).ToList();
        var seqs = new long[runs.Count];
        for (var round = 1; ; round++)
        {
            var batches = new List<WriteBatch>();
            for (var r = 0; r < runs.Count; r++)
            {
                if (flushes[r].MoveNext())
                {
                    var seq = ++seqs[r];
                    batches.Add(new WriteBatch
                    {
                        RunId = ids[r],
                        WriterId = WriterId,
                        Seq = seq,
                        Metadata = seq == 1 ? [.. runs[r].Series.Select(s => new SeriesDefinition(s.Tag, SeriesDataClass.Scalar, "scalars", []))] : [],
                        Scalars = flushes[r].Current,
                    });
                }
            }

            if (batches.Count == 0)
            {
                return;
            }

            var result = await writer.CommitAsync(batches, cancellationToken);
            if (result.Batches.FirstOrDefault(b => b.Outcome != BatchOutcome.Committed) is { } refused)
            {
                throw new InvalidOperationException($"a batch was not committed: {refused.Outcome} {refused.Field} {refused.Message}");
            }

            if (compactEvery > 0 && round % compactEvery == 0)
            {
                await ScalarChunkCompactor.CompactOnceAsync(db, cancellationToken);
                await StorageSizes.VacuumAsync(db, full: false, cancellationToken);
            }
        }
    }

    /// <summary>Throws unless the series' counters and the stored rows (chunks and any legacy rows) both hold <paramref name="points"/>.</summary>
    private static async Task ExpectStoredAsync(NpgsqlDataSource db, CurveKind kind, long points, string stage, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            SELECT (SELECT coalesce(sum(point_count), 0) FROM series)::bigint,
                   (SELECT coalesce(sum(point_count), 0) FROM all_scalar_chunks)::bigint
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (counted, stored) = (reader.GetInt64(0), reader.GetInt64(1));
        if (counted != points || stored != points)
        {
            throw new InvalidOperationException($"{kind.Name}, {stage}: {points} points written, series count {counted}, rows hold {stored}");
        }
    }

    private static async Task AdminAsync(string serverUrl, string sql, CancellationToken cancellationToken)
    {
        await using var admin = MetricsDataSource.Create(serverUrl, maxPoolSize: 2);
        // Database names are made here from constants and a hex suffix, never from input.
#pragma warning disable CA2100
        await using var command = admin.CreateCommand(sql);
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static BenchResult Result(StorageKindResult[] results, StorageBenchmarkOptions options)
    {
        var points = results.Sum(r => r.Points);
        var onDisk = results.Aggregate(StorageFootprint.Zero, (sum, r) => sum.Add(r.Compacted));
        var result = new BenchResult("storage", onDisk.BytesPerPoint(points), StorageFootprint.PerPoint(results.Sum(r => r.EventFileBytes), points), "bytes/point", "TensorBoard event files of the same points")
        {
            Extra =
            {
                ["points"] = points,
                ["runs_per_kind"] = options.Runs,
                ["flush_seconds"] = options.FlushSeconds,
                ["compact_every_flushes"] = options.CompactEveryFlushes,
                ["included"] = Included + "; the figure is after writing and a final compaction",
                ["rows_merged"] = results.Sum(r => (long)r.RowsMerged),
                ["db_written"] = Round(results.Aggregate(StorageFootprint.Zero, (sum, r) => sum.Add(r.Written)).BytesPerPoint(points)),
                ["db_live"] = Round(results.Aggregate(StorageFootprint.Zero, (sum, r) => sum.Add(r.Live)).BytesPerPoint(points)),
                ["db_heap"] = Round(StorageFootprint.PerPoint(onDisk.Heap, points)),
                ["db_indexes"] = Round(StorageFootprint.PerPoint(onDisk.Indexes, points)),
                ["db_toast"] = Round(StorageFootprint.PerPoint(onDisk.Toast, points)),
                ["db_maps"] = Round(StorageFootprint.PerPoint(onDisk.Maps, points)),
            },
        };
        foreach (var r in results)
        {
            result.Extra[$"{r.Kind.Name}_points"] = r.Points;
            result.Extra[$"{r.Kind.Name}_db"] = Round(r.Compacted.BytesPerPoint(r.Points));
            result.Extra[$"{r.Kind.Name}_db_written"] = Round(r.Written.BytesPerPoint(r.Points));
            result.Extra[$"{r.Kind.Name}_db_live"] = Round(r.Live.BytesPerPoint(r.Points));
            result.Extra[$"{r.Kind.Name}_events"] = Round(StorageFootprint.PerPoint(r.EventFileBytes, r.Points));
        }

        return result;
    }

    /// <summary>The per-kind figures as a Markdown table (bytes a point), for docs/benchmarks.md.</summary>
    private static string Table(StorageKindResult[] results)
    {
        var lines = new List<string>
        {
            "| curve | points | after writing (VACUUM) | **after compaction (VACUUM)**: heap + indexes + TOAST | live (VACUUM FULL) | event files |",
            "| --- | --- | --- | --- | --- | --- |",
        };
        foreach (var r in results)
        {
            var c = r.Compacted;
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Kind.Description} | {r.Points:N0} | {r.Written.BytesPerPoint(r.Points):F2} | **{c.BytesPerPoint(r.Points):F2}**: {StorageFootprint.PerPoint(c.Heap, r.Points):F2} + {StorageFootprint.PerPoint(c.Indexes, r.Points):F2} + {StorageFootprint.PerPoint(c.Toast, r.Points):F2} | {r.Live.BytesPerPoint(r.Points):F2} | {StorageFootprint.PerPoint(r.EventFileBytes, r.Points):F2} |"));
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static double Round(double value) => Math.Round(value, 2);
}
