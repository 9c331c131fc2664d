namespace Metrics.Query.Runs;

/// <summary>
/// A LATERAL subquery over a series row `s`: its first and last step and their wall times, read
/// from the points table of its data class by two primary-key seeks (not from counters); for
/// scalars, the first_* and last_* columns of the series' first and last chunk.
/// </summary>
internal static class SeriesExtent
{
    public const string Sql =
        """
        SELECT f.step AS first_step, f.wall_time AS first_wall_time, l.step AS last_step, l.wall_time AS last_wall_time
        FROM (
            (SELECT p.first_step AS step, p.first_wall_time AS wall_time FROM all_scalar_chunks p WHERE s.data_class = 1 AND p.series_id = s.series_id ORDER BY p.first_step LIMIT 1)
            UNION ALL
            (SELECT p.step, p.wall_time FROM tensor_points p WHERE s.data_class = 2 AND p.series_id = s.series_id ORDER BY p.step LIMIT 1)
            UNION ALL
            (SELECT p.step, p.wall_time FROM blob_points p WHERE s.data_class = 3 AND p.series_id = s.series_id ORDER BY p.step LIMIT 1)
        ) f
        CROSS JOIN (
            (SELECT p.last_step AS step, p.last_wall_time AS wall_time FROM all_scalar_chunks p WHERE s.data_class = 1 AND p.series_id = s.series_id ORDER BY p.first_step DESC LIMIT 1)
            UNION ALL
            (SELECT p.step, p.wall_time FROM tensor_points p WHERE s.data_class = 2 AND p.series_id = s.series_id ORDER BY p.step DESC LIMIT 1)
            UNION ALL
            (SELECT p.step, p.wall_time FROM blob_points p WHERE s.data_class = 3 AND p.series_id = s.series_id ORDER BY p.step DESC LIMIT 1)
        ) l
        """;
}
