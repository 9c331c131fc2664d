using Metrics.Client.Tests.Support;
using Metrics.LocalStack;

namespace Metrics.Client.Tests;

public sealed class SummaryWriterOutageTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    private static double ValueAt(long step) => Math.Sin(step * 0.001) + (step * 1e-7);

    [Fact]
    public async Task Write_IngestStoppedMidRunAndRestarted_NothingLostOrDuplicatedAndMemoryBounded()
    {
        const string Run = "outage/run";
        const long MaxMemory = 128 * 1024;
        await using var server = new IngestServer(ingest.Url, IngestFixture.Pepper);
        await server.StartAsync();
        var journal = TempDirectory();
        var writer = new SummaryWriter(new SummaryWriterOptions
        {
            Server = server.Url,
            Token = ingest.Token,
            RunName = Run,
            JournalDirectory = journal,
            MaxMemoryBytes = MaxMemory,
            MaxQueue = 100,
            MaxBatchPoints = 1000,
            DisposeTimeout = TimeSpan.FromMinutes(2),
        });
        await using (writer)
        {
            Write(writer, 0, 5_000);
            await writer.FlushAsync();
            var acknowledgedBefore = writer.Statistics.LastAcknowledged;

            await server.StopAsync();
            Write(writer, 5_000, 60_000);
            await Metrics.Testing.Eventually.TrueAsync(
                () => writer.Statistics is { Connected: false, JournalBatches: > 0 } s && s.LastSequence > acknowledgedBefore + 40,
                TimeSpan.FromMinutes(1),
                () => $"the writer to journal batches while disconnected: {writer.Statistics}");
            var during = writer.Statistics;
            Assert.Equal(acknowledgedBefore, during.LastAcknowledged);
            Assert.True(during.MemoryBytes <= MaxMemory, $"memory {during.MemoryBytes} above {MaxMemory} during the outage");

            await server.StartAsync();
            Write(writer, 60_000, 65_000);
            var closed = await writer.CloseAsync();

            Assert.True(closed.Complete);
            var after = writer.Statistics;
            Assert.True(after.BatchesSpilled > 0);
            Assert.True(after.Reconnects >= 1);
            Assert.True(after.PeakMemoryBytes <= MaxMemory + (64 * 1024), $"peak memory {after.PeakMemoryBytes}");
        }

        var points = await ingest.Stored.ScalarsAsync(Run, "loss");
        Assert.Equal(65_000, points.Count);
        for (var i = 0; i < points.Count; i++)
        {
            Assert.Equal(i, points[i].Step);
            Assert.Equal(ValueAt(i), points[i].Value);
        }

        Assert.False(Directory.Exists(journal) && Directory.EnumerateFiles(journal, "*.seg", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task Close_ServerUnreachable_JournalKeptAndSentByNextWriterWithSameId()
    {
        const string Run = "outage/journal";
        var journal = TempDirectory();
        using var refusing = LoopbackPorts.Refusing();
        var unreachable = refusing.Url;
        SummaryWriterCloseResult left;
        await using (var first = new SummaryWriter(new SummaryWriterOptions
        {
            Server = unreachable,
            Token = ingest.Token,
            RunName = Run,
            WriterId = "rank-7",
            JournalDirectory = journal,
            DisposeTimeout = TimeSpan.FromMilliseconds(200),
        }))
        {
            Write(first, 0, 3_000);
            left = await first.CloseAsync();
        }

        Assert.False(left.Complete);
        Assert.NotNull(left.JournalDirectory);
        Assert.NotEmpty(Directory.GetFiles(left.JournalDirectory, "*.seg"));

        await using (var second = new SummaryWriter(ingest.Options(Run, "rank-7", journal)))
        {
            Assert.True(second.Statistics.JournalBatches > 0);
            Write(second, 3_000, 4_000);
            Assert.True((await second.CloseAsync()).Complete);
        }

        var points = await ingest.Stored.ScalarsAsync(Run, "loss");
        Assert.Equal(Enumerable.Range(0, 4_000).Select(i => (long)i), points.Select(p => p.Step));
        Assert.False(Directory.Exists(left.JournalDirectory));
    }

    private static void Write(SummaryWriter writer, long from, long to)
    {
        for (var step = from; step < to; step++)
        {
            writer.AddScalar("loss", ValueAt(step), step);
        }

        writer.Flush();
    }

    private static string TempDirectory() => Path.Combine(Path.GetTempPath(), "metrics-client-tests-" + Guid.NewGuid().ToString("N"));
}
