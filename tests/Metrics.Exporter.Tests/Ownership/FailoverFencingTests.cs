using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Export;
using Metrics.Exporter.Ownership;
using Metrics.Storage;
using Metrics.TensorBoard;
using Metrics.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Exporter.Tests.Ownership;

/// <summary>
/// A replica's lock session lost (as with a failover: the advisory locks vanish with it) while the
/// replica still runs, and a second replica taking the run: the owner epoch and the new file
/// generation keep the run single-writer, with no flock to help (hosts that do not share it).
/// </summary>
public sealed class FailoverFencingTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("failover-fencing-");
    private readonly TestIngest _ingest = new(database.DataSource);
    private readonly string _aId = "fence-a-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _bId = "fence-b-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<RunLocks> _replicas = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task LockSessionTerminated_SecondReplicaTakesOver_FirstStopsAppendingAndLogdirIsExact()
    {
        var runId = await _ingest.RunAsync("failover", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        var acc = await _ingest.SeriesAsync(runId, "acc");
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 0, 20), .. Scalars(acc, 0, 20)]);
        var a = Replica(_aId);
        var b = Replica(_bId);
        Assert.True(await a.TryLockAsync(runId, CancellationToken.None));
        using var first = (await RunExportSession.OpenAsync(ExportOptions(_aId), database.DataSource, runId, CancellationToken.None))!;
        Assert.Equal(ExportPassKind.Rewritten, (await first.ExportAsync(CancellationToken.None)).Kind);
        var oldFile = Path.Combine(_root.FullName, "failover", "train", first.State!.FileName);

        await TerminateLockSessionAsync(_aId);
        Assert.True(await b.TryLockAsync(runId, CancellationToken.None), "the lock vanished with A's session");
        using var second = (await RunExportSession.OpenAsync(ExportOptions(_bId), database.DataSource, runId, CancellationToken.None))!;
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 20, 10), .. Scalars(acc, 20, 10)]);

        // A has not noticed yet: its next chunk reaches only its own file, and its record is refused.
        var stale = await Assert.ThrowsAsync<ExportConflictException>(() => first.ExportAsync(CancellationToken.None));
        first.Dispose();
        var staleLength = new FileInfo(oldFile).Length;
        Assert.False(await a.HeartbeatAsync(CancellationToken.None), "A's heartbeat reports its locks lost");
        var taken = await second.ExportAsync(CancellationToken.None);
        await _ingest.CommitAsync(runId, [.. Scalars(loss, 30, 10), .. Scalars(acc, 30, 10)]);
        var appended = await second.ExportAsync(CancellationToken.None);

        Assert.Contains("changed by another exporter", stale.Message, StringComparison.Ordinal);
        Assert.Equal((_aId, first.Epoch + 1), (second.TakenFrom, second.Epoch));
        Assert.Equal((ExportPassKind.Rewritten, 60L), (taken.Kind, taken.Points));
        Assert.Equal((ExportPassKind.Appended, 20L), (appended.Kind, appended.Points));
        Assert.True(staleLength > first.State.ByteLength, "A's unrecorded chunk went to its own file only");
        Assert.False(File.Exists(oldFile), "B deleted A's file once its new generation was recorded");
        var file = Assert.Single(EventFiles.List(Path.Combine(_root.FullName, "failover", "train")));
        Assert.Equal(second.State!.FileName, Path.GetFileName(file));
        Assert.Equal(second.State.ByteLength, new FileInfo(file).Length);
        Assert.False(await a.TryLockAsync(runId, CancellationToken.None), "B holds the run now");
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "failover");
    }

    [Fact]
    public async Task StaleOwnerOpensAgainAfterTakeover_EachTakeoverWritesItsOwnGeneration_LogdirIsExact()
    {
        var runId = await _ingest.RunAsync("takeback", "train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, Scalars(loss, 0, 10));
        using var a = (await RunExportSession.OpenAsync(ExportOptions(_aId), database.DataSource, runId, CancellationToken.None))!;
        await a.ExportAsync(CancellationToken.None);
        using var b = (await RunExportSession.OpenAsync(ExportOptions(_bId), database.DataSource, runId, CancellationToken.None))!;
        await b.ExportAsync(CancellationToken.None);

        // A retries before its heartbeat notices: it takes the run back from B, which did not release it.
        using var again = (await RunExportSession.OpenAsync(ExportOptions(_aId), database.DataSource, runId, CancellationToken.None))!;
        await _ingest.CommitAsync(runId, Scalars(loss, 10, 5));
        var bError = await Assert.ThrowsAsync<ExportConflictException>(() => b.ExportAsync(CancellationToken.None));
        var result = await again.ExportAsync(CancellationToken.None);

        Assert.NotNull(bError);
        Assert.Equal((_bId, ExportPassKind.Rewritten, 3), (again.TakenFrom, result.Kind, again.State!.Generation));
        Assert.Equal(again.State.FileName, Path.GetFileName(Assert.Single(EventFiles.List(Path.Combine(_root.FullName, "takeback", "train")))));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "takeback");
    }

    private LogdirExportOptions ExportOptions(string owner) =>
        new() { Root = _root.FullName, HostName = owner, Owner = owner, LockFiles = false, RewriteDelay = TimeSpan.Zero };

    private RunLocks Replica(string replicaId)
    {
        var locks = new RunLocks(Options.Create(new DatabaseOptions { Url = database.Url }), Options.Create(new ExporterOptions { Logdir = _root.FullName, ReplicaId = replicaId }));
        _replicas.Add(locks);
        return locks;
    }

    private async Task TerminateLockSessionAsync(string replicaId)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = RunLocks.ApplicationNamePrefix + replicaId });
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    private static List<TestPoint> Scalars(long seriesId, long from, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new TestPoint(seriesId, from + i, 1000 + from + i, (from + i) * 0.5))];
}
