using Metrics.Storage;
using Npgsql;
using Xunit;

namespace Metrics.Testing;

/// <summary>
/// A fresh, migrated database for one test class (use as IClassFixture), so test classes run
/// in parallel against one server without seeing each other's data.
/// </summary>
public class DatabaseFixture : IAsyncLifetime
{
    public string Url { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>Whether the fixture applies the migrations (off for migration tests).</summary>
    protected virtual bool Migrate => true;

    public virtual async Task InitializeAsync()
    {
        Url = await TestPostgres.CreateDatabaseAsync(GetType().Name);
        DataSource = MetricsDataSource.Create(Url);
        if (Migrate)
        {
            await new SchemaMigrator(DataSource).MigrateAsync(CancellationToken.None);
        }
    }

    public virtual async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
    }
}
