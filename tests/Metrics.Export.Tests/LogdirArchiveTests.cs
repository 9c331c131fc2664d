using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Testing;

namespace Metrics.Export.Tests;

public sealed class LogdirArchiveTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("logdir-archive-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task WriteProjectAsync_Fixture_ExtractsToLogdirEqualToDatabase()
    {
        await _ingest.IngestLogdirAsync("archive-basic", RepoPaths.Fixture("basic"));
        using var archive = new MemoryStream();

        await new LogdirArchive(database.DataSource).WriteProjectAsync("archive-basic", archive, CancellationToken.None);

        archive.Position = 0;
        var entries = await ArchiveExtract.ExtractAsync(archive, Path.Combine(_root.FullName, "archive-basic"));
        Assert.Equal(3, entries.Count);
        Assert.Contains(entries, e => e.StartsWith("nested/deep/events.out.tfevents.", StringComparison.Ordinal));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "archive-basic");
    }

    [Fact]
    public async Task WriteRunAsync_RunHParamsWithoutSeries_ArchiveShowsThem()
    {
        var runId = await _ingest.RunAsync("archive-hparams", "sweep/lr-0.01");
        await _ingest.SetHParamsAsync(runId, """{"lr": 0.01, "optimizer": "adam", "batch_norm": true, "layers": 3}""");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 10).Select(i => new TestPoint(loss, i, 1e9 + i, i))]);
        using var archive = new MemoryStream();

        Assert.True(await new LogdirArchive(database.DataSource).WriteRunAsync(runId, archive, CancellationToken.None));

        archive.Position = 0;
        await ArchiveExtract.ExtractAsync(archive, Path.Combine(_root.FullName, "archive-hparams"));
        ExportAssert.HParamsShown(Path.Combine(_root.FullName, "archive-hparams"), "sweep/lr-0.01", firstStep: 0);
    }

    [Fact]
    public async Task WriteRunAsync_UnknownRun_ReturnsFalse()
    {
        using var archive = new MemoryStream();

        Assert.False(await new LogdirArchive(database.DataSource).WriteRunAsync(long.MaxValue, archive, CancellationToken.None));
        Assert.Equal(0, archive.Length);
    }

    [Fact]
    public async Task WriteRunAsync_UnsafeRunName_Throws()
    {
        var runId = await _ingest.RunAsync("archive-unsafe", "../outside");
        using var archive = new MemoryStream();

        await Assert.ThrowsAsync<UnsafeLogdirPathException>(() => new LogdirArchive(database.DataSource).WriteRunAsync(runId, archive, CancellationToken.None));
    }
}
