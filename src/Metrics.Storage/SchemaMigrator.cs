using Npgsql;

namespace Metrics.Storage;

/// <summary>
/// Applies the embedded, versioned SQL migrations in order, each in its own transaction,
/// under a PostgreSQL advisory lock so two processes migrating at once cannot collide.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource)
{
    // Any fixed number works; it only has to be the same for every migrator.
    private const long MigrationLockKey = 0x4D45_5452_4943_5301;

    /// <summary>The migrations built into this version, ordered by version.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>The schema version this build needs.</summary>
    public static int LatestVersion => Embedded[^1].Version;

    /// <summary>Applies what is missing; returns the versions applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = MigrationLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand(
                """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var current = await ReadVersionAsync(connection, cancellationToken);
            var applied = new List<int>();
            foreach (var migration in Embedded.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_version (version, name) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied.Add(migration.Version);
            }

            return applied;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = MigrationLockKey });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>The version the database is at (0 when never migrated).</summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadVersionAsync(connection, cancellationToken);
    }

    /// <summary>Throws <see cref="SchemaOutOfDateException"/> unless the database is at <see cref="LatestVersion"/> or newer.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var version = await GetVersionAsync(cancellationToken);
        if (version < LatestVersion)
        {
            throw new SchemaOutOfDateException(version, LatestVersion);
        }
    }

    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return 0;
        }

        await using var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection);
        return Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Metrics.Storage.Migrations.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, name, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }
}

/// <summary>One embedded migration.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>The database schema is older than this build needs.</summary>
public sealed class SchemaOutOfDateException(int actual, int required)
    : Exception($"The database schema is at version {actual} but this build needs version {required}: run `metrics db migrate` (or the migration job) first.")
{
    public int Actual { get; } = actual;

    public int Required { get; } = required;
}
