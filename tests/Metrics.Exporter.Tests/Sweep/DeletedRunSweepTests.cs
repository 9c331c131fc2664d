using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Export;
using Metrics.Exporter.Ownership;
using Metrics.Exporter.Sweep;
using Metrics.Storage;
using Metrics.TensorBoard;
using Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Metrics.Exporter.Tests.Sweep;

public sealed class DeletedRunSweepTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("deleted-run-sweep-");
    private readonly TestIngest _ingest = new(database.DataSource);
    private readonly RunOwnership _ownership = new(new FakeTimeProvider());
    private readonly List<RunLocks> _replicas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var locks in _replicas)
        {
            await locks.DisposeAsync();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task SweepAsync_RunDeletedFromDatabase_RemovesItsFolderAndRecord()
    {
        var deleted = await ExportedRunAsync("sweep-removed", "gone");
        var kept = await ExportedRunAsync("sweep-removed", "kept");
        await _ingest.DeleteRunAsync(deleted);

        await Sweep().SweepAsync(CancellationToken.None);

        Assert.False(Directory.Exists(Folder("sweep-removed", "gone")));
        Assert.True(Directory.Exists(Folder("sweep-removed", "kept")));
        Assert.DoesNotContain(deleted, RunManifest.RunIds(_root.FullName));
        Assert.Contains(kept, RunManifest.RunIds(_root.FullName));
    }

    [Fact]
    public async Task SweepAsync_RemoveDeletedRunsOff_KeepsFolderAndForgetsRun()
    {
        var deleted = await ExportedRunAsync("sweep-kept", "gone");
        await _ingest.DeleteRunAsync(deleted);

        await Sweep(removeDeletedRuns: false).SweepAsync(CancellationToken.None);

        Assert.Single(EventFiles.List(Folder("sweep-kept", "gone")));
        Assert.DoesNotContain(deleted, RunManifest.RunIds(_root.FullName));
    }

    [Fact]
    public async Task SweepAsync_DeletedRunHeldHere_LeavesItToItsNextPass()
    {
        var deleted = await ExportedRunAsync("sweep-held", "gone");
        await _ingest.DeleteRunAsync(deleted);
        _ownership.Take(deleted, _ => Task.CompletedTask);
        _ownership.Clean(deleted);

        await Sweep().SweepAsync(CancellationToken.None);

        Assert.True(_ownership.IsDirty(deleted));
        Assert.True(Directory.Exists(Folder("sweep-held", "gone")));
        Assert.Contains(deleted, RunManifest.RunIds(_root.FullName));
    }

    [Fact]
    public async Task SweepAsync_DeletedRunLockedByAnotherReplica_LeavesItToThatReplica()
    {
        var deleted = await ExportedRunAsync("sweep-other", "gone");
        await _ingest.DeleteRunAsync(deleted);
        Assert.True(await Replica("other").TryLockAsync(deleted, CancellationToken.None));

        await Sweep().SweepAsync(CancellationToken.None);

        Assert.True(Directory.Exists(Folder("sweep-other", "gone")));
        Assert.Contains(deleted, RunManifest.RunIds(_root.FullName));
    }

    private DeletedRunSweep Sweep(bool removeDeletedRuns = true) =>
        new(database.DataSource, Replica("sweeper"), _ownership, ExporterOptions(removeDeletedRuns), NullLogger<DeletedRunSweep>.Instance);

    private IOptions<ExporterOptions> ExporterOptions(bool removeDeletedRuns = true) =>
        Options.Create(new ExporterOptions { Logdir = _root.FullName, RemoveDeletedRuns = removeDeletedRuns, ReplicaId = "sweeper" });

    private RunLocks Replica(string replicaId)
    {
        var locks = new RunLocks(Options.Create(new DatabaseOptions { Url = database.Url }), Options.Create(new ExporterOptions { Logdir = _root.FullName, ReplicaId = replicaId }));
        _replicas.Add(locks);
        return locks;
    }

    private string Folder(string project, string run) => Path.Combine(_root.FullName, project, run);

    private async Task<long> ExportedRunAsync(string project, string name)
    {
        var runId = await _ingest.RunAsync(project, name);
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 10).Select(s => new TestPoint(loss, s, 1e9 + s, s))]);
        using var session = (await RunExportSession.OpenAsync(new LogdirExportOptions { Root = _root.FullName }, database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        return runId;
    }
}
