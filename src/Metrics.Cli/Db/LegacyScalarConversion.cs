using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Cli.Db;

/// <summary>
/// The online step of `metrics db migrate`: converts the scalar_points rows of schema version 2
/// into chunks (docs/storage.md) while ingest keeps writing, printing progress about once a second.
/// </summary>
internal static class LegacyScalarConversion
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        // An estimate is enough for progress and cheap on a table of a billion rows; small tables are counted.
        await using var estimate = dataSource.CreateCommand(
            """
            SELECT CASE WHEN c.reltuples < 100000 THEN (SELECT count(*) FROM scalar_points) ELSE c.reltuples::bigint END
            FROM pg_class c WHERE c.oid = 'scalar_points'::regclass
            """);
        var total = Convert.ToInt64(await estimate.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        if (total <= 0)
        {
            System.Console.WriteLine("No scalar points of schema version 2 to convert.");
            return;
        }

        System.Console.WriteLine($"Converting about {total} scalar points of schema version 2 into chunks (ingest may keep writing)...");
        var started = time.GetTimestamp();
        var lastPrint = started;
        var converted = await ScalarChunkCompactor.ConvertLegacyAsync(
            dataSource,
            done =>
            {
                if (time.GetElapsedTime(lastPrint) >= TimeSpan.FromSeconds(1))
                {
                    lastPrint = time.GetTimestamp();
                    System.Console.WriteLine($"  {done} points converted ({Math.Min(100, done * 100 / total)}%)");
                }
            },
            cancellationToken);
        var seconds = time.GetElapsedTime(started).TotalSeconds;
        System.Console.WriteLine($"Converted {converted} scalar points into chunks in {seconds:0.0} s; scalar_points is empty.");
    }
}
