using System.Globalization;
using System.Text.Json.Nodes;
using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Tests.Support;
using Metrics.Storage;
using Metrics.TensorBoard;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Exporter.Tests;

/// <summary>The exporter service as a real process: kill -9 under load, and two replicas sharing runs.</summary>
public sealed class ExporterProcessTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("exporter-process-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Exporter_KilledRepeatedlyUnderLoad_LogdirEqualsDatabase()
    {
        const string Project = "crash";
        using var stop = new CancellationTokenSource();
        var load = SteadyLoadAsync(Project, runs: 3, stop.Token);
        var random = new Random(7);
        var kills = 0;
        try
        {
            for (; kills < 6; kills++)
            {
                using var exporter = ServiceProcess.StartExporter(database.Url, _root.FullName, "crash");
                // Let it get into the middle of something: wait for progress to move, then a random moment more.
                var before = await RecordedBytesAsync();
                await Eventually.TrueAsync(async () => await RecordedBytesAsync() > before || exporter.HasExited, TimeSpan.FromSeconds(60), () => "progress; exporter output:\n" + exporter.Output);
                Assert.False(exporter.HasExited, exporter.Output);
                await Task.Delay(random.Next(0, 400));
                exporter.Kill();
            }
        }
        finally
        {
            await stop.CancelAsync();
            await load;
        }

        // A last exporter catches up after the load stops.
        using (var final = ServiceProcess.StartExporter(database.Url, _root.FullName, "crash"))
        {
            await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(90), () => final.Output);
            final.Kill();
        }

        Assert.True(kills >= 5);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, Project);
    }

    [Fact]
    public async Task Exporter_TwoReplicasOneKilled_OtherTakesOverAndNothingLostOrDoubled()
    {
        const string Project = "replicas";
        using var a = ServiceProcess.StartExporter(database.Url, _root.FullName, "replica-a");
        using var b = ServiceProcess.StartExporter(database.Url, _root.FullName, "replica-b");
        await Eventually.TrueAsync(async () => (await ReplicaCountAsync()) == 2, TimeSpan.FromSeconds(60), () => a.Output + b.Output);
        var runs = new List<(long RunId, long Series)>();
        for (var i = 0; i < 8; i++)
        {
            var runId = await _ingest.RunAsync(Project, "run-" + i);
            runs.Add((runId, await _ingest.SeriesAsync(runId, "loss")));
        }

        var step = 0;
        async Task CommitAllAsync()
        {
            foreach (var (runId, series) in runs)
            {
                await _ingest.CommitAsync(runId, [.. Enumerable.Range(step, 50).Select(s => new TestPoint(series, s, 1e9 + s, s))]);
            }

            step += 50;
        }

        await CommitAllAsync();
        await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => a.Output + b.Output);
        var holders = await ExportProgress.LockHoldersAsync(database.DataSource);
        Assert.Equal(runs.Select(r => r.RunId).Order(), holders.Keys.Order());
        Assert.Contains("replica-a", holders.Values);
        Assert.Contains("replica-b", holders.Values);

        a.Kill();
        await CommitAllAsync();
        await Eventually.TrueAsync(
            async () => await ExportProgress.AllCaughtUpAsync(database.DataSource)
                && (await ExportProgress.LockHoldersAsync(database.DataSource)).Values.All(r => r == "replica-b"),
            TimeSpan.FromSeconds(60),
            () => b.Output);
        await CommitAllAsync();
        await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => b.Output);

        Assert.Equal(runs.Count, (await ExportProgress.LockHoldersAsync(database.DataSource)).Count);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, Project);
    }

    [Fact]
    public async Task Exporter_FrozenReplicaLosesLockSession_OtherReplicaFencesItAndLogdirIsExact()
    {
        const string Project = "fenced";
        // No flock: as on hosts that do not share it, only the owner epoch and new generations fence A.
        var noFileLocks = new Dictionary<string, string> { ["METRICS_EXPORT_FILE_LOCKS"] = "false" };
        using var a = ServiceProcess.StartExporter(database.Url, _root.FullName, "fenced-a", settings: noFileLocks);
        var runs = new List<(long RunId, long Series)>();
        for (var i = 0; i < 4; i++)
        {
            var runId = await _ingest.RunAsync(Project, "run-" + i);
            runs.Add((runId, await _ingest.SeriesAsync(runId, "loss")));
        }

        var step = 0;
        async Task CommitAllAsync()
        {
            foreach (var (runId, series) in runs)
            {
                await _ingest.CommitAsync(runId, [.. Enumerable.Range(step, 300).Select(s => new TestPoint(series, s, 1e9 + s, s))]);
            }

            step += 300;
        }

        await CommitAllAsync();
        await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => a.Output);
        using var b = ServiceProcess.StartExporter(database.Url, _root.FullName, "fenced-b", settings: noFileLocks);
        await Eventually.TrueAsync(async () => (await ReplicaCountAsync()) == 2, TimeSpan.FromSeconds(60), () => b.Output);
        Assert.All((await ExportProgress.LockHoldersAsync(database.DataSource)).Values, holder => Assert.Equal("fenced-a", holder));

        // A freezes holding every run and its files open; the server drops its lock session (as a failover does).
        await a.FreezeAsync();
        try
        {
            await TerminateLockSessionAsync("fenced-a");
            await CommitAllAsync();
            await Eventually.TrueAsync(
                async () => await ExportProgress.AllCaughtUpAsync(database.DataSource)
                    && (await ExportProgress.LockHoldersAsync(database.DataSource)) is { Count: 4 } holders && holders.Values.All(h => h == "fenced-b"),
                TimeSpan.FromSeconds(60),
                () => b.Output);
        }
        finally
        {
            await a.ThawAsync();
        }

        await Eventually.TrueAsync(() => Task.FromResult(a.Output.Contains("Lock connection lost", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), () => a.Output);
        await CommitAllAsync();
        await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => a.Output + b.Output);

        Assert.Equal(4, CountOccurrences(b.Output, "from fenced-a, which did not release it"));
        foreach (var i in Enumerable.Range(0, 4))
        {
            Assert.Single(EventFiles.List(Path.Combine(_root.FullName, Project, "run-" + i)));
        }

        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, Project);
    }

    [Fact]
    public async Task Exporter_RunDeletedFromDatabase_RemovesWhatItWroteForIt()
    {
        const string Project = "deleted";
        var held = await ExportedRunAsync(Project, "sweep/held");
        var later = await ExportedRunAsync(Project, "sweep/later");
        await ExportedRunAsync(Project, "stay");
        using (var exporter = ServiceProcess.StartExporter(database.Url, _root.FullName, "deleted"))
        {
            await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => exporter.Output);

            // Deleted while this exporter holds it.
            await _ingest.DeleteRunAsync(held);
            await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists(Path.Combine(_root.FullName, Project, "sweep", "held"))), TimeSpan.FromSeconds(60), () => exporter.Output);
            await Eventually.TrueAsync(() => Task.FromResult(exporter.Output.Contains("was deleted from the database: removed 1 event files", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), () => exporter.Output);
            exporter.Kill();
        }

        // Deleted while no exporter runs: found at the next start.
        await _ingest.DeleteRunAsync(later);
        using (var exporter = ServiceProcess.StartExporter(database.Url, _root.FullName, "deleted"))
        {
            await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists(Path.Combine(_root.FullName, Project, "sweep"))), TimeSpan.FromSeconds(60), () => exporter.Output);
            exporter.Kill();
        }

        Assert.True(Directory.Exists(Path.Combine(_root.FullName, Project)));
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, Project);
    }

    [Fact]
    public async Task Exporter_RemoveDeletedRunsOff_LeavesTheFolderAndSaysSo()
    {
        const string Project = "deleted-kept";
        var runId = await ExportedRunAsync(Project, "train");
        using var exporter = ServiceProcess.StartExporter(database.Url, _root.FullName, "deleted-kept", settings: new Dictionary<string, string> { ["METRICS_EXPORT_REMOVE_DELETED_RUNS"] = "false" });
        await Eventually.TrueAsync(() => ExportProgress.AllCaughtUpAsync(database.DataSource), TimeSpan.FromSeconds(60), () => exporter.Output);

        await _ingest.DeleteRunAsync(runId);

        await Eventually.TrueAsync(() => Task.FromResult(exporter.Output.Contains("its folder is left in place", StringComparison.Ordinal)), TimeSpan.FromSeconds(60), () => exporter.Output);
        Assert.Single(EventFiles.List(Path.Combine(_root.FullName, Project, "train")));
    }

    [Fact]
    public async Task Exporter_DemoThroughRealIngest_OneSessionStartPerRunAndNoRustLoaderDrop()
    {
        // `metrics up`'s demo: the real `metrics demo` (AddHParams first, so runs.hparams is stored
        // before the run's own session start arrives) through the real ingest, exported live.
        const string Project = "demo";
        var token = await new TokenStore(database.DataSource, Options.Create(new TokenOptions { Pepper = ServiceProcess.TestPepper }), TimeProvider.System)
            .CreateAsync(Project, TokenScope.Write, "demo", null, CancellationToken.None);
        using var ingest = ServiceProcess.Start("ingest", new() { ["METRICS_DATABASE_URL"] = database.Url, ["METRICS_GRPC_PORT"] = "0" });
        await ingest.WaitReadyAsync();
        using var exporter = ServiceProcess.StartExporter(database.Url, _root.FullName, "demo", settings: new Dictionary<string, string> { ["METRICS_EXPORT_PROJECTS"] = Project });

        var (exitCode, output) = await ServiceProcess.RunCliAsync(["demo", "--server", ingest.GrpcAddress.ToString(), "--token", token, "--project", Project, "--steps", "40"]);

        Assert.True(exitCode == 0, output + ingest.Output);
        await Eventually.TrueAsync(async () => await ExportProgress.ProjectCaughtUpAsync(database.DataSource, Project, runs: 2), TimeSpan.FromSeconds(60), () => exporter.Output);
        var json = JsonNode.Parse(LogdirJson.ToJson(LogdirSnapshot.Read(Path.Combine(_root.FullName, Project))))!.AsObject();
        Assert.True(json["rust_loader_drops"]!.AsObject().Count == 0, json["rust_loader_drops"]!.ToJsonString());
        var runs = LogdirSnapshot.Read(Path.Combine(_root.FullName, Project)).Runs;
        Assert.Equal(2, runs.Count);
        Assert.All(runs, run => Assert.Single(run.Points[HParamsSessionStart.Tag]));
        Assert.DoesNotContain(", 0 points", exporter.Output, StringComparison.Ordinal);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, Project);
    }

    private async Task<long> ExportedRunAsync(string project, string name)
    {
        var runId = await _ingest.RunAsync(project, name);
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 20).Select(s => new TestPoint(loss, s, 1e9 + s, s))]);
        return runId;
    }

    // Commits every few ms to each run: mostly appends, now and then a late point, a replaced step or a restart.
    private async Task SteadyLoadAsync(string project, int runs, CancellationToken cancellationToken)
    {
        var targets = new List<(long RunId, long[] Series, long Step)>();
        for (var i = 0; i < runs; i++)
        {
            var runId = await _ingest.RunAsync(project, "job/run-" + i);
            var series = new[]
            {
                await _ingest.SeriesAsync(runId, "loss"),
                await _ingest.SeriesAsync(runId, "acc"),
                await _ingest.SeriesAsync(runId, "weights", 2, "histograms"),
                await _ingest.SeriesAsync(runId, "sample", 3, "images"),
            };
            targets.Add((runId, series, 0));
        }

        var random = new Random(11);
        var round = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < targets.Count; i++)
            {
                var (runId, series, step) = targets[i];
                var points = new List<TestPoint>();
                for (var s = step; s < step + 200; s++)
                {
                    points.Add(new TestPoint(series[0], s, 1e9 + s, Math.Sin(s)));
                    if (s % 2 == 0)
                    {
                        points.Add(new TestPoint(series[1], s, 1e9 + s, s * 0.01));
                    }

                    if (s % 50 == 0)
                    {
                        points.Add(new TestPoint(series[2], s, 1e9 + s, Tensor: Histogram(s)));
                        points.Add(new TestPoint(series[3], s, 1e9 + s, Blobs: [[.. "2"u8], [.. "2"u8], BitConverter.GetBytes(s)]));
                    }
                }

                long? restart = null;
                var kind = random.Next(20);
                if (kind == 0 && step > 300)
                {
                    restart = step - 150;
                    points.RemoveAll(p => p.Step < restart);
                }
                else if (kind == 1 && step > 10)
                {
                    points.Add(new TestPoint(series[0], step - 7, 2e9, -1)); // replaced step (a lagging rank)
                }

                await _ingest.CommitAsync(runId, points, restart);
                targets[i] = (runId, series, step + 200);
            }

            round++;
        }
    }

    private static byte[] Histogram(long step)
    {
        var tensor = new Metrics.Contracts.TensorBoard.TensorProto
        {
            Dtype = Metrics.Contracts.TensorBoard.DataType.DtDouble,
            TensorShape = new Metrics.Contracts.TensorBoard.TensorShapeProto { Dim = { new Metrics.Contracts.TensorBoard.TensorShapeProto.Types.Dim { Size = 1 }, new Metrics.Contracts.TensorBoard.TensorShapeProto.Types.Dim { Size = 3 } } },
            DoubleVal = { 0, 1, step },
        };
        return Google.Protobuf.MessageExtensions.ToByteArray(tensor);
    }

    private async Task<long> RecordedBytesAsync()
    {
        await using var command = database.DataSource.CreateCommand("SELECT coalesce(sum(byte_length), 0)::bigint + coalesce(sum(generation), 0)::bigint FROM export_state");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static int CountOccurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private async Task TerminateLockSessionAsync(string replicaId)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = "metrics-exporter-locks:" + replicaId });
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    private async Task<long> ReplicaCountAsync()
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'metrics-exporter-locks:%'");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
