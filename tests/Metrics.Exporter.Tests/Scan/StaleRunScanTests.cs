using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Export;
using Metrics.Exporter.Scan;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Exporter.Tests.Scan;

public sealed class StaleRunScanTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("stale-run-scan-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task FindAsync_RunNeverExported_FindsIt()
    {
        var runId = await RunWithPointsAsync("scan-new", "train");

        Assert.Contains(runId, await Scan().FindAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_RunExportedAtItsVersions_FindsItAgainOnlyAfterACommit()
    {
        var runId = await RunWithPointsAsync("scan-current", "train");
        await ExportAsync(runId);

        Assert.DoesNotContain(runId, await Scan().FindAsync(CancellationToken.None));
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [new TestPoint(loss, 100, 1e9 + 100, 1)]);

        Assert.Contains(runId, await Scan().FindAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_RunRewrittenSinceExport_FindsIt()
    {
        var runId = await RunWithPointsAsync("scan-rewritten", "train");
        await ExportAsync(runId);
        var loss = await _ingest.SeriesAsync(runId, "loss");

        await _ingest.CommitAsync(runId, [new TestPoint(loss, 50, 1e9, 1)], restartAt: 50);

        Assert.Contains(runId, await Scan().FindAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_ProjectsGiven_FindsRunsOfThoseProjectsOnly()
    {
        var wanted = await RunWithPointsAsync("scan-wanted", "train");
        var also = await RunWithPointsAsync("scan-also", "train");
        var other = await RunWithPointsAsync("scan-other", "train");

        var found = await Scan("scan-wanted, scan-also").FindAsync(CancellationToken.None);

        Assert.Contains(wanted, found);
        Assert.Contains(also, found);
        Assert.DoesNotContain(other, found);
    }

    private StaleRunScan Scan(string projects = "") =>
        new(database.DataSource, Options.Create(new ExporterOptions { Logdir = _root.FullName, Projects = projects }));

    private async Task<long> RunWithPointsAsync(string project, string name)
    {
        var runId = await _ingest.RunAsync(project, name);
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 10).Select(s => new TestPoint(loss, s, 1e9 + s, s))]);
        return runId;
    }

    private async Task ExportAsync(long runId)
    {
        using var session = (await RunExportSession.OpenAsync(new LogdirExportOptions { Root = _root.FullName }, database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
    }
}
