using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Export.Tests;

public sealed class DeletedRunFoldersTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("deleted-runs-");
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("deleted-runs-outside-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose()
    {
        _root.Delete(recursive: true);
        _outside.Delete(recursive: true);
    }

    [Fact]
    public async Task Remove_DeletedRuns_RemovesTheirFilesAndEmptyFoldersOnly()
    {
        var train = await ExportRunAsync("del", "mnist/lr-0.1/train");
        var eval = await ExportRunAsync("del", "mnist/lr-0.1/eval");
        var other = await ExportRunAsync("del", "other");
        await _ingest.DeleteRunAsync(train);

        Assert.Equal([train], await DeletedRunFolders.FindDeletedAsync(database.DataSource, [train, eval, other], CancellationToken.None));
        var removed = DeletedRunFolders.Remove(_root.FullName, train);

        Assert.NotNull(removed);
        Assert.Equal((1, true), (removed.FilesRemoved, removed.FolderRemoved));
        Assert.False(Directory.Exists(Folder("del", "mnist/lr-0.1/train")));
        Assert.True(Directory.Exists(Folder("del", "mnist/lr-0.1/eval")));
        Assert.Null(RunManifest.Load(_root.FullName, train));
        Assert.DoesNotContain(train, RunManifest.RunIds(_root.FullName));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "del");

        // The last run under mnist/: every folder it made goes, the project's folder stays.
        await _ingest.DeleteRunAsync(eval);
        Assert.NotNull(DeletedRunFolders.Remove(_root.FullName, eval));

        Assert.False(Directory.Exists(Folder("del", "mnist")));
        Assert.True(Directory.Exists(Folder("del", "other")));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "del");
    }

    [Fact]
    public async Task Remove_FolderHoldsFilesTheExporterDidNotWrite_KeepsThemAndTheFolder()
    {
        var runId = await ExportRunAsync("del-kept", "train");
        var folder = Folder("del-kept", "train");
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "mine");
        await File.WriteAllBytesAsync(Path.Combine(folder, "events.out.tfevents.1.someone-else"), [1, 2, 3]);
        await _ingest.DeleteRunAsync(runId);

        var removed = DeletedRunFolders.Remove(_root.FullName, runId)!;

        Assert.Equal((1, false), (removed.FilesRemoved, removed.FolderRemoved));
        Assert.Equal(["events.out.tfevents.1.someone-else", "notes.txt"], Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Remove_SymlinkPlantedOnTheWay_RefusesAndDeletesNothing()
    {
        var runId = await ExportRunAsync("del-link", "a/train");
        var fileName = RunManifest.Load(_root.FullName, runId)!.Files.Single();
        // Swap a/ for a link to a folder outside the logdir holding a file of the same name.
        Directory.Delete(Folder("del-link", "a"), recursive: true);
        var victim = Directory.CreateDirectory(Path.Combine(_outside.FullName, "train")).FullName;
        await File.WriteAllTextAsync(Path.Combine(victim, fileName), "not the exporter's");
        Directory.CreateSymbolicLink(Folder("del-link", "a"), _outside.FullName);
        await _ingest.DeleteRunAsync(runId);

        Assert.Throws<UnsafeLogdirPathException>(() => DeletedRunFolders.Remove(_root.FullName, runId));

        Assert.True(File.Exists(Path.Combine(victim, fileName)));
    }

    [Theory]
    [InlineData("../escape", "events.out.tfevents.1.host")]
    [InlineData("train", "../../../victim.tfevents")]
    [InlineData("train", "notes.txt")]
    public async Task Remove_ManifestNamingSomethingElse_RefusesAndDeletesNothing(string run, string file)
    {
        var victim = Path.Combine(_root.FullName, "victim.tfevents");
        await File.WriteAllTextAsync(victim, "keep");
        Directory.CreateDirectory(Folder("del-odd", "train"));
        await File.WriteAllTextAsync(Path.Combine(Folder("del-odd", "train"), "notes.txt"), "keep");
        RunManifest.Save(_root.FullName, 999_999, new RunManifest("del-odd", run, [file]));

        Assert.Throws<UnsafeLogdirPathException>(() => DeletedRunFolders.Remove(_root.FullName, 999_999));

        Assert.True(File.Exists(victim));
        Assert.True(File.Exists(Path.Combine(Folder("del-odd", "train"), "notes.txt")));
    }

    [Fact]
    public async Task Remove_RunRecreatedUnderTheSameName_LeavesTheNewRunsFiles()
    {
        var old = await ExportRunAsync("del-again", "train");
        await _ingest.DeleteRunAsync(old);
        await ExportRunAsync("del-again", "train");

        var removed = DeletedRunFolders.Remove(_root.FullName, old)!;

        Assert.False(removed.FolderRemoved);
        Assert.Single(EventFiles.List(Folder("del-again", "train")));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "del-again");
    }

    [Fact]
    public async Task Forget_DeletedRun_KeepsItsFolderAndDropsTheRecord()
    {
        var runId = await ExportRunAsync("del-forget", "train");
        await _ingest.DeleteRunAsync(runId);

        var manifest = DeletedRunFolders.Forget(_root.FullName, runId);

        Assert.Equal(("del-forget", "train"), (manifest!.Project, manifest.Run));
        Assert.Single(EventFiles.List(Folder("del-forget", "train")));
        Assert.Null(RunManifest.Load(_root.FullName, runId));
    }

    // A run with a few points, exported by a session (which records its manifest), session closed.
    private async Task<long> ExportRunAsync(string project, string name)
    {
        var runId = await _ingest.RunAsync(project, name);
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 10).Select(i => new TestPoint(loss, i, 1000 + i, i))]);
        using var session = (await RunExportSession.OpenAsync(new LogdirExportOptions { Root = _root.FullName }, database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        return runId;
    }

    private string Folder(string project, string run) => Path.Combine(_root.FullName, project, run);
}
