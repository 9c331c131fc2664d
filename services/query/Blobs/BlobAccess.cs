using Npgsql;

namespace Metrics.Query.Blobs;

/// <summary>Whether a blob point of a run of the caller's project references a blob key.</summary>
internal static class BlobAccess
{
    // The key is found through the GIN index on blob_points(blob_keys) (migration 0002), then
    // joined to its series and run. OFFSET 0 keeps the key lookup a subquery of its own: folded
    // into the join under LIMIT 1, the planner expects an early match (it assumes 0.5% of rows
    // contain a key that is not among the common ones, such as a PNG's) and scans the project's
    // points instead. A key that is in most rows (an image's width string) is still a quick scan.
    internal const string Sql =
        """
        SELECT s.plugin_name
        FROM (SELECT series_id FROM blob_points WHERE blob_keys @> ARRAY[$2::bytea] OFFSET 0) p
        JOIN series s ON s.series_id = p.series_id AND s.data_class = 3
        JOIN runs r ON r.run_id = s.run_id
        WHERE r.project_id = $1
        LIMIT 1
        """;

    /// <summary>The plugin of a series of <paramref name="projectId"/> that references <paramref name="key"/>; null when none does.</summary>
    public static async Task<string?> FindPluginAsync(NpgsqlConnection connection, long projectId, byte[] key, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = key });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
