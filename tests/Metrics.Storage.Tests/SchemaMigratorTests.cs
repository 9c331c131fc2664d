using Metrics.Testing;
using Npgsql;

namespace Metrics.Storage.Tests;

public sealed class SchemaMigratorTests
{
    [Fact]
    public async Task MigrateAsync_FreshDatabase_AppliesEveryMigrationInOrder()
    {
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_fresh"));
        var migrator = new SchemaMigrator(dataSource);

        var applied = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.Embedded.Select(m => m.Version), applied);
        Assert.Equal(SchemaMigrator.LatestVersion, await migrator.GetVersionAsync(CancellationToken.None));
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('projects','api_tokens','runs','series','scalar_points','tensor_points','blob_points','blobs','writers','export_state')");
        Assert.Equal(10L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_IsANoOp()
    {
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_twice"));
        var migrator = new SchemaMigrator(dataSource);
        await migrator.MigrateAsync(CancellationToken.None);

        var second = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Empty(second);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_version");
        Assert.Equal((long)SchemaMigrator.Embedded.Count, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task MigrateAsync_ConcurrentMigrators_ApplyEachMigrationOnce()
    {
        var url = await TestPostgres.CreateDatabaseAsync("migrate_race");
        var sources = Enumerable.Range(0, 4).Select(_ => MetricsDataSource.Create(url)).ToList();
        try
        {
            var results = await Task.WhenAll(sources.Select(s => new SchemaMigrator(s).MigrateAsync(CancellationToken.None)));

            Assert.Equal(SchemaMigrator.Embedded.Count, results.Sum(r => r.Count));
            await using var command = sources[0].CreateCommand("SELECT count(*), count(DISTINCT version) FROM schema_version");
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
            Assert.Equal(SchemaMigrator.Embedded.Count, reader.GetInt64(0));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EnsureCurrentAsync_OlderSchema_ThrowsWithMigrateInstruction()
    {
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_old"));
        var migrator = new SchemaMigrator(dataSource);

        var error = await Assert.ThrowsAsync<SchemaOutOfDateException>(() => migrator.EnsureCurrentAsync(CancellationToken.None));

        Assert.Equal(0, error.Actual);
        Assert.Contains("metrics db migrate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCurrentAsync_Migrated_DoesNotThrow()
    {
        await using var dataSource = MetricsDataSource.Create(await TestPostgres.CreateDatabaseAsync("migrate_ok"));
        var migrator = new SchemaMigrator(dataSource);
        await migrator.MigrateAsync(CancellationToken.None);

        await migrator.EnsureCurrentAsync(CancellationToken.None);
    }

    [Fact]
    public async Task MigrateAsync_UnreachableServer_ThrowsNpgsqlException()
    {
        await using var dataSource = MetricsDataSource.Create("postgres://postgres@127.0.0.1:1/none");

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => new SchemaMigrator(dataSource).MigrateAsync(CancellationToken.None));
    }
}
