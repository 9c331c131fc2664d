using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.HParams;
using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Export.Tests;

public sealed class RunExportSessionTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("export-session-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose() => _root.Delete(recursive: true);

    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public async Task ExportAsync_IngestedFixture_ReadsAsFixtureExpectedJson(string fixture)
    {
        var project = "fixture-" + fixture;
        await _ingest.IngestLogdirAsync(project, RepoPaths.Fixture(fixture));

        await ExportProjectAsync(project);

        var json = JsonNode.Parse(LogdirJson.ToJson(LogdirSnapshot.Read(Path.Combine(_root.FullName, project))))!.AsObject();
        var expected = JsonNode.Parse(File.ReadAllText(RepoPaths.FixtureExpectedJson(fixture)))!.AsObject();
        Assert.Empty(json["rust_loader_drops"]!.AsObject());
        json.Remove("rust_loader_drops");
        expected.Remove("rust_loader_drops");
        Assert.True(JsonNode.DeepEquals(expected, json), "exported logdir differs from " + fixture + ".expected.json:\n" + json.ToJsonString());
    }

    [Fact]
    public async Task ExportAsync_NewPoints_AppendsToSameFile()
    {
        var runId = await _ingest.RunAsync("append", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        var acc = await _ingest.SeriesAsync(runId, "acc");
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 0, 10), .. Scalars(acc, 0, 10)]);
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;

        var first = await session.ExportAsync(CancellationToken.None);
        var file = session.State!.FileName;
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 10, 20), .. Scalars(acc, 10, 5)]);
        var second = await session.ExportAsync(CancellationToken.None);
        var third = await session.ExportAsync(CancellationToken.None);

        Assert.Equal((ExportPassKind.Rewritten, 20L), (first.Kind, first.Points));
        Assert.Equal((ExportPassKind.Appended, 25L), (second.Kind, second.Points));
        Assert.Equal(ExportPassKind.UpToDate, third.Kind);
        Assert.Equal(file, session.State.FileName);
        Assert.Single(EventFiles.List(Path.Combine(_root.FullName, "append", "train")));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "append");
    }

    [Fact]
    public async Task ExportAsync_SmallChunks_RecordsProgressAfterEachChunk()
    {
        var runId = await _ingest.RunAsync("chunks", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 5));
        var options = new LogdirExportOptions { Root = _root.FullName, ChunkPoints = 7 };
        using var session = (await RunExportSession.OpenAsync(options, database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);

        await _ingest.CommitAsync(runId, Scalars(loss, 5, 100));
        await session.ExportAsync(CancellationToken.None);

        var state = (await new ExportStateStore(database.DataSource).LoadAsync(runId, CancellationToken.None))!;
        Assert.Equal(104, state.SeriesSteps[loss]);
        Assert.Equal(new FileInfo(Path.Combine(_root.FullName, "chunks", "train", state.FileName)).Length, state.ByteLength);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "chunks");
    }

    [Fact]
    public async Task ExportAsync_LatePoint_RewritesIntoNewGeneration()
    {
        var runId = await _ingest.RunAsync("late", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        var acc = await _ingest.SeriesAsync(runId, "acc");
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 0, 10), .. Scalars(acc, 0, 10)]);
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        var firstFile = session.State!.FileName;

        // A lagging rank replaces step 3 and fills a gap at step 20 then 15.
        await _ingest.CommitAsync(runId, [new TestPoint(loss, 3, 1003, -1), new TestPoint(acc, 20, 1020, 2)]);
        await _ingest.CommitAsync(runId, [new TestPoint(acc, 15, 1015, 1.5)]);
        var result = await session.ExportAsync(CancellationToken.None);

        Assert.Equal(ExportPassKind.Rewritten, result.Kind);
        Assert.Equal(2, session.State.Generation);
        var files = EventFiles.List(Path.Combine(_root.FullName, "late", "train"));
        Assert.Equal(session.State.FileName, Path.GetFileName(Assert.Single(files)));
        Assert.True(string.CompareOrdinal(session.State.FileName, firstFile) > 0, "the new generation sorts after the old one");
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "late");
    }

    [Fact]
    public async Task ExportAsync_RestartMidRun_ShowsOnlyPointsBeforeRestartAndAfter()
    {
        var runId = await _ingest.RunAsync("restart", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        var acc = await _ingest.SeriesAsync(runId, "acc");
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 0, 30), .. Scalars(acc, 0, 30)]);
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);

        // Resumed from a checkpoint at step 20; acc is not written again after the restart.
        await _ingest.CommitAsync(runId, Scalars(loss, 20, 5, value: 9), restartAt: 20);
        await session.ExportAsync(CancellationToken.None);

        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "restart");
        var snapshot = LogdirSnapshot.Read(Path.Combine(_root.FullName, "restart"));
        Assert.Equal(20, snapshot.Runs[0].Points["acc"].Count);
        Assert.Equal(25, snapshot.Runs[0].Points["loss"].Count);
    }

    [Fact]
    public async Task OpenAsync_AfterCrashMidChunk_CutsUnrecordedTailAndDeletesUnrecordedFiles()
    {
        var runId = await _ingest.RunAsync("crash", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 50));
        string folder;
        using (var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!)
        {
            await session.ExportAsync(CancellationToken.None);
            folder = Path.Combine(_root.FullName, "crash", "train");
        }

        // What a crash leaves: bytes after the recorded length (a torn record) and an unrecorded new generation.
        var state = (await new ExportStateStore(database.DataSource).LoadAsync(runId, CancellationToken.None))!;
        await File.AppendAllBytesAsync(Path.Combine(folder, state.FileName), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        await File.WriteAllBytesAsync(Path.Combine(folder, "events.out.tfevents.9999999999.host.1.1"), [1, 2, 3]);
        await _ingest.CommitAsync(runId, Scalars(loss, 50, 10));

        using (var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!)
        {
            Assert.Equal(state.ByteLength, new FileInfo(Path.Combine(folder, state.FileName)).Length);
            Assert.Single(EventFiles.List(folder));
            var result = await session.ExportAsync(CancellationToken.None);
            Assert.Equal((ExportPassKind.Appended, 10L), (result.Kind, result.Points));
        }

        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "crash");
    }

    [Fact]
    public async Task OpenAsync_RecordedFileDeleted_RewritesRun()
    {
        var runId = await _ingest.RunAsync("lost", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using (var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!)
        {
            await session.ExportAsync(CancellationToken.None);
        }

        foreach (var file in EventFiles.List(Path.Combine(_root.FullName, "lost", "train")))
        {
            File.Delete(file);
        }

        using (var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!)
        {
            Assert.Equal(ExportPassKind.Rewritten, (await session.ExportAsync(CancellationToken.None)).Kind);
        }

        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "lost");
    }

    [Fact]
    public async Task OpenAsync_RunHeldByAnotherSession_ThrowsConflict()
    {
        var runId = await _ingest.RunAsync("held", "train");
        using var first = await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None);

        await Assert.ThrowsAsync<ExportConflictException>(() => RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None));
    }

    [Fact]
    public async Task ExportAsync_ProgressChangedByAnotherExporter_ThrowsConflict()
    {
        var runId = await _ingest.RunAsync("cas", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        await using (var command = database.DataSource.CreateCommand("UPDATE export_state SET byte_length = byte_length + 1 WHERE run_id = $1"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = runId });
            await command.ExecuteNonQueryAsync();
        }

        await _ingest.CommitAsync(runId, Scalars(loss, 10, 10));

        await Assert.ThrowsAsync<ExportConflictException>(() => session.ExportAsync(CancellationToken.None));
    }

    [Fact]
    public async Task OpenAsync_TakenFromOwnerThatDidNotRelease_WritesNewGenerationAndStaleOwnerCannotRecord()
    {
        var runId = await _ingest.RunAsync("fenced", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using var stale = (await RunExportSession.OpenAsync(Owner("a"), database.DataSource, runId, CancellationToken.None))!;
        await stale.ExportAsync(CancellationToken.None);
        var oldFile = Path.Combine(_root.FullName, "fenced", "train", stale.State!.FileName);
        var oldLength = new FileInfo(oldFile).Length;

        // "a" lost the run without letting go (its lock vanished with the primary) and still runs.
        using var taker = (await RunExportSession.OpenAsync(Owner("b"), database.DataSource, runId, CancellationToken.None))!;
        Assert.Equal(oldLength, new FileInfo(oldFile).Length);
        await _ingest.CommitAsync(runId, Scalars(loss, 10, 5));
        var taken = await taker.ExportAsync(CancellationToken.None);
        await _ingest.CommitAsync(runId, Scalars(loss, 15, 5));

        Assert.Equal(("a", stale.Epoch + 1), (taker.TakenFrom, taker.Epoch));
        Assert.Equal((ExportPassKind.Rewritten, 15L, 2), (taken.Kind, taken.Points, taker.State!.Generation));
        Assert.NotEqual(stale.State.FileName, taker.State.FileName);
        Assert.False(File.Exists(oldFile), "the stale owner's file goes once the new generation is recorded");
        var staleError = await Assert.ThrowsAsync<ExportConflictException>(() => stale.ExportAsync(CancellationToken.None));
        Assert.Contains("gone", staleError.Message, StringComparison.Ordinal);
        Assert.Equal(ExportPassKind.Appended, (await taker.ExportAsync(CancellationToken.None)).Kind);
        var file = Assert.Single(EventFiles.List(Path.Combine(_root.FullName, "fenced", "train")));
        Assert.Equal(taker.State.ByteLength, new FileInfo(file).Length);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "fenced");
    }

    [Fact]
    public async Task OpenAsync_TakerOpensAgainBeforeRecording_StillWritesNewGeneration()
    {
        var runId = await _ingest.RunAsync("refenced", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using var stale = (await RunExportSession.OpenAsync(Owner("a"), database.DataSource, runId, CancellationToken.None))!;
        await stale.ExportAsync(CancellationToken.None);
        var oldFile = stale.State!.FileName;

        // "b" took the run from "a" and failed before recording anything of its own (a pass that threw).
        (await RunExportSession.OpenAsync(Owner("b"), database.DataSource, runId, CancellationToken.None))!.Dispose();
        using var again = (await RunExportSession.OpenAsync(Owner("b"), database.DataSource, runId, CancellationToken.None))!;
        var result = await again.ExportAsync(CancellationToken.None);

        Assert.Equal("a", again.TakenFrom);
        Assert.Equal((ExportPassKind.Rewritten, 2), (result.Kind, again.State!.Generation));
        Assert.NotEqual(oldFile, again.State.FileName);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "refenced");
    }

    [Fact]
    public async Task OpenAsync_AfterCleanRelease_NextOwnerAppendsToSameFile()
    {
        var runId = await _ingest.RunAsync("released", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        string fileName;
        using (var first = (await RunExportSession.OpenAsync(Owner("a"), database.DataSource, runId, CancellationToken.None))!)
        {
            await first.ExportAsync(CancellationToken.None);
            fileName = first.State!.FileName;
            await first.ReleaseAsync(CancellationToken.None);
        }

        using var next = (await RunExportSession.OpenAsync(Owner("b"), database.DataSource, runId, CancellationToken.None))!;
        await _ingest.CommitAsync(runId, Scalars(loss, 10, 5));
        var result = await next.ExportAsync(CancellationToken.None);

        Assert.Null(next.TakenFrom);
        Assert.Equal((ExportPassKind.Appended, 5L, fileName), (result.Kind, result.Points, next.State!.FileName));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "released");
    }

    [Fact]
    public async Task ExportAsync_FileAppendedByAnotherWriter_ThrowsConflictWithoutWriting()
    {
        var runId = await _ingest.RunAsync("interleaved", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using var session = (await RunExportSession.OpenAsync(Owner("a"), database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        var path = Path.Combine(_root.FullName, "interleaved", "train", session.State!.FileName);
        await File.AppendAllTextAsync(path, "another writer");
        var length = new FileInfo(path).Length;
        await _ingest.CommitAsync(runId, Scalars(loss, 10, 5));

        var error = await Assert.ThrowsAsync<ExportConflictException>(() => session.ExportAsync(CancellationToken.None));
        session.Dispose();

        Assert.Contains("another exporter wrote it", error.Message, StringComparison.Ordinal);
        Assert.Equal(length, new FileInfo(path).Length);
    }

    [Fact]
    public async Task OpenAsync_UnsafeRunNameInDatabase_ThrowsWithoutWriting()
    {
        var runId = await _ingest.RunAsync("unsafe", "../../escape");

        await Assert.ThrowsAsync<UnsafeLogdirPathException>(() => RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(_root.FullName, "..", "escape")));
    }

    [Fact]
    public async Task ExportAsync_RunHParamsWithoutSeries_WritesSessionStartOncePerFile()
    {
        var runId = await _ingest.RunAsync("hparams", "mnist/train");
        await _ingest.SetHParamsAsync(runId, """{"lr": 0.01, "optimizer": "adam", "batch_norm": true, "layers": 3}""");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 5, 10));
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        await _ingest.CommitAsync(runId, Scalars(loss, 15, 10));

        var appended = await session.ExportAsync(CancellationToken.None);

        Assert.Equal(ExportPassKind.Appended, appended.Kind);
        ExportAssert.HParamsShown(Path.Combine(_root.FullName, "hparams"), "mnist/train", firstStep: 5);

        // A late point: the new file generation carries them too, once.
        await _ingest.CommitAsync(runId, [new TestPoint(loss, 2, 2000, -1)]);
        var rewritten = await session.ExportAsync(CancellationToken.None);

        Assert.Equal(ExportPassKind.Rewritten, rewritten.Kind);
        ExportAssert.HParamsShown(Path.Combine(_root.FullName, "hparams"), "mnist/train", firstStep: 2);
    }

    [Fact]
    public async Task ExportAsync_RunWithItsOwnSessionStartSeries_WritesOnlyItsOwn()
    {
        var runId = await _ingest.RunAsync("hparams-own", "train");
        await _ingest.SetHParamsAsync(runId, """{"lr": 0.5}""");
        var own = new HParamsPluginData { SessionStartInfo = new SessionStartInfo { Hparams = { ["lr"] = Value.ForNumber(0.01) } } };
        var series = await _ingest.SeriesAsync(runId, HParamsSessionStart.Tag, 2, PluginNames.HParams, own.ToByteArray());
        var empty = new TensorProto { Dtype = Metrics.Contracts.TensorBoard.DataType.DtFloat, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 0 } } } };
        await _ingest.CommitAsync(runId, [new TestPoint(series, 0, 1000, Tensor: empty.ToByteArray())]);

        await ExportProjectAsync("hparams-own");

        var run = Assert.Single(LogdirSnapshot.Read(Path.Combine(_root.FullName, "hparams-own")).Runs);
        Assert.Single(run.Points[HParamsSessionStart.Tag]);
        var shown = HParamsPluginData.Parser.ParseFrom(run.Metadata[HParamsSessionStart.Tag].PluginData.Content).SessionStartInfo;
        Assert.Equal(0.01, Assert.Single(shown.Hparams).Value.NumberValue);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "hparams-own");
    }

    [Fact]
    public async Task ExportAsync_OwnSessionStartArrivesAfterFirstFile_RewritesWithOnlyItsOwn()
    {
        // The SDK's AddHParams: OpenRun stores runs.hparams at once, its session start comes with a later batch.
        var runId = await _ingest.RunAsync("hparams-late", "train");
        await _ingest.SetHParamsAsync(runId, """{"lr": 0.5}""");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 5, 10));
        var options = new LogdirExportOptions { Root = _root.FullName, RewriteDelay = TimeSpan.FromHours(1) };
        using var session = (await RunExportSession.OpenAsync(options, database.DataSource, runId, CancellationToken.None))!;
        await session.ExportAsync(CancellationToken.None);
        var own = new HParamsPluginData { SessionStartInfo = new SessionStartInfo { Hparams = { ["lr"] = Value.ForNumber(0.01) } } };
        var series = await _ingest.SeriesAsync(runId, HParamsSessionStart.Tag, 2, PluginNames.HParams, own.ToByteArray());
        var empty = new TensorProto { Dtype = Metrics.Contracts.TensorBoard.DataType.DtFloat, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 0 } } } };
        await _ingest.CommitAsync(runId, [new TestPoint(series, 0, 1000, Tensor: empty.ToByteArray())]);

        var result = await session.ExportAsync(CancellationToken.None);

        Assert.Equal(ExportPassKind.Rewritten, result.Kind);
        var run = Assert.Single(LogdirSnapshot.Read(Path.Combine(_root.FullName, "hparams-late")).Runs);
        Assert.Single(run.Points[HParamsSessionStart.Tag]);
        Assert.Empty(run.RustLoaderDrops);
        var shown = HParamsPluginData.Parser.ParseFrom(run.Metadata[HParamsSessionStart.Tag].PluginData.Content).SessionStartInfo;
        Assert.Equal(0.01, Assert.Single(shown.Hparams).Value.NumberValue);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "hparams-late");

        // Appending goes on as usual afterwards: no second rewrite.
        await _ingest.CommitAsync(runId, Scalars(loss, 15, 5));
        Assert.Equal(ExportPassKind.Appended, (await session.ExportAsync(CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task ExportAsync_RunWithoutPointsYet_WritesNothing()
    {
        var runId = await _ingest.RunAsync("hparams-empty", "train");
        await _ingest.SetHParamsAsync(runId, """{"lr": 0.5}""");
        using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, runId, CancellationToken.None))!;

        var result = await session.ExportAsync(CancellationToken.None);

        Assert.Equal(new ExportPassResult(ExportPassKind.UpToDate, 0), result);
        Assert.Null(session.State);
        Assert.Empty(EventFiles.List(Path.Combine(_root.FullName, "hparams-empty", "train")));

        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 3));
        Assert.Equal(new ExportPassResult(ExportPassKind.Rewritten, 3), await session.ExportAsync(CancellationToken.None));
    }

    private LogdirExportOptions Options() => new() { Root = _root.FullName, RewriteDelay = TimeSpan.Zero };

    // As replicas on hosts where flock is not shared: only the owner epoch and file generations fence them.
    private LogdirExportOptions Owner(string owner) => new() { Root = _root.FullName, RewriteDelay = TimeSpan.Zero, Owner = owner, LockFiles = false };

    private async Task ExportProjectAsync(string project)
    {
        foreach (var run in await new RunPointSource(database.DataSource).GetProjectRunsAsync(project, CancellationToken.None))
        {
            using var session = (await RunExportSession.OpenAsync(Options(), database.DataSource, run.RunId, CancellationToken.None))!;
            await session.ExportAsync(CancellationToken.None);
        }
    }

    private static List<TestPoint> Scalars(long seriesId, long from, int count, double value = 0) =>
        [.. Enumerable.Range(0, count).Select(i => new TestPoint(seriesId, from + i, 1000 + from + i, value + ((from + i) * 0.5)))];
}
