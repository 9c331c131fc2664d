using System.Security.Cryptography;
using Metrics.Query.Blobs;
using Npgsql;

namespace Metrics.Query.Tests.Blobs;

public sealed class BlobAccessPlanTests(BlobAccessPlanFixture db) : IClassFixture<BlobAccessPlanFixture>
{
    [Fact]
    public async Task Sql_OwnerOfALongImageSeries_FindsTheKeyThroughTheGinIndex()
    {
        var plan = await ExplainAsync(db.Owner);

        Assert.True(plan.Exists(line => line.Contains("Bitmap Index Scan on blob_points_blob_keys_idx", StringComparison.Ordinal)), string.Join('\n', plan));
    }

    [Fact]
    public async Task Sql_OtherProject_FindsTheKeyThroughTheGinIndex()
    {
        var plan = await ExplainAsync(db.Stranger);

        Assert.True(plan.Exists(line => line.Contains("Bitmap Index Scan on blob_points_blob_keys_idx", StringComparison.Ordinal)), string.Join('\n', plan));
    }

    private async Task<List<string>> ExplainAsync(long projectId)
    {
        await using var explain = db.DataSource.CreateCommand("EXPLAIN " + BlobAccess.Sql);
        explain.Parameters.Add(new NpgsqlParameter<long> { TypedValue = projectId });
        explain.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = SHA256.HashData("a png of its own"u8) });
        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(0));
        }

        return plan;
    }
}
