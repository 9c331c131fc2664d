using Metrics.Query.Tests.TestData;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Query.Tests.Blobs;

/// <summary>
/// A database of its own for the plan of <see cref="Metrics.Query.Blobs.BlobAccess.Sql"/>: its
/// statistics are the point, so nothing else may add rows to it.
/// </summary>
public sealed class BlobAccessPlanFixture : DatabaseFixture
{
    public long Owner { get; private set; }

    public long Stranger { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // Image points as TensorBoard writes them: the same width and height strings in every
        // point, then a PNG of its own; one long series in the owner's project, a short one in
        // another. With these statistics and LIMIT 1, a key lookup folded into the join is
        // planned as a scan of the table.
        var seed = new TestSeeder(DataSource);
        var owner = await seed.SeriesAsync(await seed.RunAsync("plan-owner", "r"), "images/x", 3, "images");
        var stranger = await seed.SeriesAsync(await seed.RunAsync("plan-stranger", "r"), "images/x", 3, "images");
        Owner = await seed.ProjectAsync("plan-owner");
        Stranger = await seed.ProjectAsync("plan-stranger");
        await using (var fill = DataSource.CreateCommand(
            """
            INSERT INTO blob_points (series_id, step, wall_time, blob_keys)
            SELECT CASE WHEN i <= 20000 THEN $1 ELSE $2 END, i, i, ARRAY[sha256('28'), sha256('28'), sha256(int8send(i))]
            FROM generate_series(1, 20010) i
            """))
        {
            fill.Parameters.Add(new NpgsqlParameter<long> { TypedValue = owner });
            fill.Parameters.Add(new NpgsqlParameter<long> { TypedValue = stranger });
            await fill.ExecuteNonQueryAsync();
        }

        await using var analyze = DataSource.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync();
    }
}
