using Metrics.Bench.Soak;
using Metrics.Client;
using Metrics.Resilience.Tests.Support;
using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Resilience.Tests.Faults;

/// <summary>Writers whose connections are reset mid-batch (a relay on loopback cuts every connection).</summary>
public sealed class ConnectionCutTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CutConnections_RawWritersMidBatch_AckedPointsExactlyOnce()
    {
        await using var services = await Stack.StartAsync("cut_raw");
        var report = await SoakRunner.RunAsync(services, new SoakSettings
        {
            Writers = 20,
            Runs = 4,
            Duration = TimeSpan.FromSeconds(15),
            BatchesPerSecond = 10,
            Faults = [SoakFault.CutConnections],
            FaultInterval = TimeSpan.FromSeconds(1.5),
        }, new TestOutputWriter(output), CancellationToken.None);

        Report.AssertExactlyOnce(output, "connections cut mid-batch (protocol writers)", report);
        Assert.True(services.Relay.Cuts > 0, "no connection was open when cut");
    }

    [Fact]
    public async Task CutConnections_SummaryWriterMidBatch_EveryPointStoredOnce()
    {
        await using var services = await Stack.StartAsync("cut_sdk");
        const int points = 30_000;
        var journal = Stack.WorkDirectory("cut_sdk_journal");
        await using var writer = new SummaryWriter(new SummaryWriterOptions
        {
            Server = services.Relay.Url,
            Token = services.WriteToken,
            RunName = "sdk/cut",
            WriterId = "sdk-cut",
            JournalDirectory = journal,
            MaxQueue = 500,
            MaxBatchPoints = 500,
        });
        // Points arrive over a few seconds while every connection is reset four times a second.
        using var cutting = new CancellationTokenSource();
        var cutter = CutRepeatedlyAsync(services.Relay, cutting.Token);
        for (var step = 0; step < points; step++)
        {
            writer.AddScalar("loss", step + 0.5, step, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + step));
            if (step % 300 == 299)
            {
                await Task.Delay(25); // Pacing, not polling: spreads the points over many cuts.
            }
        }

        await cutting.CancelAsync();
        await cutter;
        var closed = await writer.CloseAsync();
        var statistics = writer.Statistics;
        output.WriteLine($"SDK through relay: points={points} cuts={services.Relay.Cuts} reconnects={statistics.Reconnects} resent={statistics.BatchesResent} closed={closed}");
        Assert.True(closed.Complete, "the writer closed with batches unacknowledged: " + closed);
        Assert.True(services.Relay.Cuts >= 5, "fewer than 5 connections were cut: " + services.Relay.Cuts);

        await using var command = services.DataSource.CreateCommand(
            "SELECT s.series_id FROM series s JOIN runs r USING (run_id) WHERE r.name = 'sdk/cut' AND s.tag = 'loss'");
        var seriesId = (long)(await command.ExecuteScalarAsync())!;
        var expected = 0L;
        foreach (var point in await ScalarChunkReads.ReadPointsAsync(services.DataSource, seriesId, long.MinValue, long.MaxValue, CancellationToken.None))
        {
            Assert.Equal(expected, point.Step);
            Assert.Equal(expected + 0.5, point.Value);
            Assert.Equal(1_700_000_000 + expected / 1000.0, point.WallTime, 6);
            expected++;
        }

        Assert.Equal(points, expected);
        await using var applied = services.DataSource.CreateCommand("SELECT points, (SELECT rewrite_version FROM runs WHERE name = 'sdk/cut') FROM writers WHERE writer_id = 'sdk-cut'");
        await using var row = await applied.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        output.WriteLine($"stored={expected} writers.points={row.GetInt64(0)} rewrite_version={row.GetInt64(1)} lost=0 duplicated={row.GetInt64(0) - expected + row.GetInt64(1)}");
        Assert.Equal(points, row.GetInt64(0));
        Assert.Equal(0, row.GetInt64(1));
    }

    private static async Task CutRepeatedlyAsync(TcpRelay relay, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                relay.CutAll();
            }
        }
        catch (OperationCanceledException)
        {
            // Done cutting.
        }
    }
}
