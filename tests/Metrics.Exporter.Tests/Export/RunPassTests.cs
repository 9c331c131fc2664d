using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Export;
using Metrics.Exporter.Ownership;
using Metrics.Exporter.Tests.Support;
using Metrics.Storage;
using Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Metrics.Exporter.Tests.Export;

public sealed class RunPassTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("run-pass-");
    private readonly TestIngest _ingest = new(database.DataSource);
    private readonly FakeTimeProvider _time = new();
    private readonly List<OwnedRun> _runs = [];

    public void Dispose()
    {
        foreach (var run in _runs)
        {
            run.Session?.Dispose();
            run.Cancel.Dispose();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task RunAsync_NewRun_ExportsItAndKeepsItsSessionOpen()
    {
        var run = Owned(await RunWithPointsAsync("pass-new", "train"));

        await Pass().RunAsync(run);

        Assert.NotNull(run.Session);
        Assert.Null(run.ReleaseReason);
        Assert.Null(run.DueAt);
        Assert.True(await ExportProgress.ProjectCaughtUpAsync(database.DataSource, "pass-new", runs: 1));
    }

    [Fact]
    public async Task RunAsync_ProjectNotExported_RefusesRunForGood()
    {
        var ownership = new RunOwnership(_time);
        var run = Owned(await RunWithPointsAsync("pass-unwanted", "train"));

        await Pass(ownership, projects: "pass-wanted").RunAsync(run);

        Assert.Equal(ReleaseReason.Refused, run.ReleaseReason);
        Assert.Null(run.Session);
        ownership.MarkDirty(run.RunId);
        Assert.Empty(ownership.Candidates().Candidates);
    }

    [Fact]
    public async Task RunAsync_UnsafeRunName_RefusesRunForGood()
    {
        var ownership = new RunOwnership(_time);
        var run = Owned(await RunWithPointsAsync("pass-unsafe", "../outside"));

        await Pass(ownership).RunAsync(run);

        Assert.Equal(ReleaseReason.Refused, run.ReleaseReason);
        ownership.MarkDirty(run.RunId);
        Assert.Empty(ownership.Candidates().Candidates);
    }

    [Fact]
    public async Task RunAsync_RunDeleted_AsksToBeReleased()
    {
        var runId = await RunWithPointsAsync("pass-deleted", "train");
        await _ingest.DeleteRunAsync(runId);
        var run = Owned(runId);

        await Pass().RunAsync(run);

        Assert.Equal(ReleaseReason.RunDeleted, run.ReleaseReason);
    }

    [Fact]
    public async Task RunAsync_RunFolderHeldByAnotherExporter_LetsRunGo()
    {
        var runId = await RunWithPointsAsync("pass-held", "train");
        using var other = await RunExportSession.OpenAsync(new LogdirExportOptions { Root = _root.FullName }, database.DataSource, runId, CancellationToken.None);
        var run = Owned(runId);

        await Pass().RunAsync(run);

        Assert.Equal(ReleaseReason.HeldElsewhere, run.ReleaseReason);
    }

    [Fact]
    public async Task RunAsync_RewriteSoonAfterTheLast_AppendsAndIsDueWhenTheRewriteDelayEnds()
    {
        var runId = await RunWithPointsAsync("pass-rewrite", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        var run = Owned(runId);
        var pass = Pass();
        await pass.RunAsync(run); // the run's first file: a rewrite
        _time.Advance(TimeSpan.FromSeconds(2));

        await _ingest.CommitAsync(runId, [new TestPoint(loss, 3, 2e9, -1)]); // a replaced step asks for a rewrite
        await pass.RunAsync(run);

        Assert.Equal(_time.GetTimestamp() + (long)(3 * _time.TimestampFrequency), run.DueAt);
        Assert.Null(run.ReleaseReason);
    }

    [Fact]
    public async Task RunAsync_DatabaseUnreachable_DueAgainASecondLaterFromScratch()
    {
        await using var unreachable = MetricsDataSource.Create("postgres://postgres@127.0.0.1:1/none");
        var run = Owned(41);

        await new RunPass(unreachable, ExporterOptions(""), new RunOwnership(_time), _time, NullLogger<RunPass>.Instance).RunAsync(run);

        Assert.Equal(_time.GetTimestamp() + (long)_time.TimestampFrequency, run.DueAt);
        Assert.Null(run.Session);
        Assert.Null(run.ReleaseReason);
    }

    [Fact]
    public async Task RunAsync_Cancelled_EndsQuietly()
    {
        var run = Owned(await RunWithPointsAsync("pass-cancelled", "train"));
        await run.Cancel.CancelAsync();

        await Pass().RunAsync(run);

        Assert.Null(run.ReleaseReason);
        Assert.Null(run.DueAt);
    }

    private RunPass Pass(RunOwnership? ownership = null, string projects = "") =>
        new(database.DataSource, ExporterOptions(projects), ownership ?? new RunOwnership(_time), _time, NullLogger<RunPass>.Instance);

    private IOptions<ExporterOptions> ExporterOptions(string projects) =>
        Options.Create(new ExporterOptions { Logdir = _root.FullName, Projects = projects, RewriteDelaySeconds = 5, ReplicaId = "test" });

    private OwnedRun Owned(long runId)
    {
        var run = new OwnedRun(runId, _time.GetTimestamp());
        _runs.Add(run);
        return run;
    }

    private async Task<long> RunWithPointsAsync(string project, string name)
    {
        var runId = await _ingest.RunAsync(project, name);
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 10).Select(s => new TestPoint(loss, s, 1e9 + s, s))]);
        return runId;
    }
}
