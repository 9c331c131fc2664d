using Npgsql;

namespace Metrics.Bench.Storage;

/// <summary>Reads the scalar tables' <see cref="StorageFootprint"/> after a VACUUM (or VACUUM FULL), so dead rows are not counted as data.</summary>
internal static class StorageSizes
{
    /// <summary>The tables that hold scalar points in any schema version; those absent in the database are skipped.</summary>
    public static readonly string[] Tables = ["scalar_points", "scalar_chunks"];

    /// <summary>VACUUM (with <paramref name="full"/>: VACUUM FULL, which rewrites tables and indexes compactly), then the sizes.</summary>
    public static async Task<StorageFootprint> MeasureAsync(NpgsqlDataSource dataSource, bool full, CancellationToken cancellationToken)
    {
        var present = await VacuumAsync(dataSource, full, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var sizes = new NpgsqlCommand(
            """
            SELECT coalesce(sum(pg_relation_size(c.oid, 'main')), 0)::bigint,
                   coalesce(sum(pg_indexes_size(c.oid)), 0)::bigint,
                   coalesce(sum(CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END), 0)::bigint,
                   coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
            FROM pg_class c
            WHERE c.oid = ANY (SELECT to_regclass(t) FROM unnest($1::text[]) AS t)
            """, connection);
        sizes.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. present] });
        await using var reader = await sizes.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new StorageFootprint(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>VACUUM (or VACUUM FULL) of the scalar tables the database has; returns their names.</summary>
    public static async Task<List<string>> VacuumAsync(NpgsqlDataSource dataSource, bool full, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var present = new List<string>();
        foreach (var table in Tables)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = table });
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                present.Add(table);
            }
        }

        foreach (var table in present)
        {
            // Table names come from the constant list above, never from input.
#pragma warning disable CA2100
            await using var vacuum = new NpgsqlCommand((full ? "VACUUM FULL " : "VACUUM ") + table, connection) { CommandTimeout = 0 };
#pragma warning restore CA2100
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        return present;
    }
}
