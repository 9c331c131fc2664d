using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests.Migrations;

/// <summary>Migration 0002 (GIN index on blob_points.blob_keys) on databases that are already in use.</summary>
public sealed class BlobKeysIndexMigrationTests
{
    [Fact]
    public async Task MigrateAsync_DatabaseAtVersion1WithBlobPoints_AppliesTheRestAndIndexesThem()
    {
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_v1"));
        await AtVersion1Async(dataSource);
        await ExecuteAsync(dataSource, "INSERT INTO blob_points VALUES (1, 0, 0, ARRAY[sha256('a'), sha256('b')])");

        var applied = await new SchemaMigrator(dataSource).MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.Embedded.Skip(1).Select(m => m.Version), applied);
        Assert.Equal(true, await ScalarAsync(dataSource, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'blob_points_blob_keys_idx'::regclass"));
        Assert.Equal("{fastupdate=off}", await ScalarAsync(dataSource, "SELECT reloptions::text FROM pg_class WHERE relname = 'blob_points_blob_keys_idx'"));
        Assert.Equal(1L, await ScalarAsync(dataSource, "SELECT count(*) FROM blob_points WHERE blob_keys @> ARRAY[sha256('b')]"));
    }

    [Fact]
    public async Task MigrateAsync_IndexBuiltConcurrentlyBeforehand_MigratesToLatest()
    {
        // The way docs/operations.md gives for a large database: build the index without
        // blocking ingest, then migrate.
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_v1_prebuilt"));
        await AtVersion1Async(dataSource);
        await ExecuteAsync(dataSource, "CREATE INDEX CONCURRENTLY blob_points_blob_keys_idx ON blob_points USING gin (blob_keys) WITH (fastupdate = off)");
        var migrator = new SchemaMigrator(dataSource);

        var applied = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.Embedded.Skip(1).Select(m => m.Version), applied);
        Assert.Equal(SchemaMigrator.LatestVersion, await migrator.GetVersionAsync(CancellationToken.None));
    }

    // What `metrics db migrate` of a version-1 build left: migration 0001 and its record.
    private static async Task AtVersion1Async(NpgsqlDataSource dataSource)
    {
        var first = SchemaMigrator.Embedded[0];
        Assert.Equal(1, first.Version);
        await ExecuteAsync(dataSource, first.Sql);
        await ExecuteAsync(dataSource, "CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        await ExecuteAsync(dataSource, $"INSERT INTO schema_version (version, name) VALUES (1, '{first.Name}')");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
