using System.Diagnostics;
using System.Globalization;
using Metrics.Cli.Tests.Support;
using Metrics.Storage.Chunks;
using Metrics.TensorBoard;
using Metrics.Testing;
using Npgsql;

namespace Metrics.Cli.Tests.Upload;

/// <summary>
/// `metrics upload --watch` as a real process against the real ingest, tailing event files while
/// they are written, then stopped by a signal; what arrived is read from the database.
/// </summary>
public sealed class UploadWatchTests(ServicesFixture services) : IClassFixture<ServicesFixture>, IDisposable
{
    private const int StepsPerRound = 150;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-upload-watch-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task UploadWatch_FilesGrowingAndNewRunThenSignal_EveryPointStoredOnce(string signal)
    {
        var project = "watch-" + signal.ToLowerInvariant();
        var token = await services.CreateTokenAsync(project, Metrics.Storage.TokenScope.Write);
        var logdir = Directory.CreateDirectory(Path.Combine(_temp.FullName, signal, "logdir")).FullName;
        var state = Path.Combine(_temp.FullName, signal, "state.json");
        string[] upload = ["upload", "--server", services.IngestUrl, "--token", token, "--project", project, "--logdir", logdir, "--state-file", state];
        var expected = new Dictionary<string, SortedDictionary<long, float>>(StringComparer.Ordinal) { ["job/a"] = [], ["job/b"] = [] };
        var writerA = EventFileWriter.Create(Path.Combine(logdir, "job", "a"), new EventFileWriterOptions { MaxQueue = int.MaxValue, FlushInterval = TimeSpan.FromDays(1) });
        var step = 0L;
        void WriteA(int steps)
        {
            for (var end = step + steps; step < end; step++)
            {
                writerA.WriteScalar("loss", step, ValueOf("loss", step), 1_700_000_000 + step);
                writerA.WriteScalar("acc", step, ValueOf("acc", step), 1_700_000_000 + step);
                expected["job/a"][step] = ValueOf("loss", step);
            }

            writerA.Flush();
        }

        WriteA(StepsPerRound);
        using var watcher = ProcessRunner.StartDotnet(ServiceBinaries.Cli, [.. upload, "--watch", "--poll-seconds", "0.1"]);
        var stdout = watcher.StandardOutput.ReadToEndAsync();
        var stderr = watcher.StandardError.ReadToEndAsync();
        try
        {
            // Run a grows while watched; each round is waited for, so each is a separate read of a growing file.
            await WaitForAsync(project, "job/a", 2 * StepsPerRound, watcher);
            for (var round = 0; round < 4; round++)
            {
                if (round == 2)
                {
                    writerA.Rotate(); // a second file in the run
                }

                WriteA(StepsPerRound);
                await WaitForAsync(project, "job/a", 2 * (round + 2) * StepsPerRound, watcher);
            }

            // Run b appears while watching, and its file is written in pieces that end inside records.
            var bytesB = WriteRunB(expected["job/b"]);
            var folderB = Directory.CreateDirectory(Path.Combine(logdir, "job", "b")).FullName;
            var fileB = Path.Combine(folderB, "events.out.tfevents.1700000000.watch-test");
            var written = 0;
            foreach (var cut in new[] { 100, 1_001, 4_321, 9_000, bytesB.Length })
            {
                await using (var file = new FileStream(fileB, FileMode.Append, FileAccess.Write))
                {
                    await file.WriteAsync(bytesB.AsMemory(written, Math.Min(cut, bytesB.Length) - written));
                }

                written = Math.Min(cut, bytesB.Length);
                await WaitForAsync(project, "job/b", PointsReadableIn(folderB), watcher);
            }

            // A burst of several commits, and the signal as soon as the first arrived: the upload stops
            // mid-way, and what it sent must be saved, not sent again by the next run.
            var before = await PointCountAsync(project, "job/a");
            WriteA(40_000);
            await WaitForAsync(project, "job/a", before + 1, watcher, atLeast: true);
            await ProcessRunner.SignalAsync(watcher.Id, signal);

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await watcher.WaitForExitAsync(patience.Token);
        }
        finally
        {
            if (!watcher.HasExited)
            {
                watcher.Kill(entireProcessTree: true);
            }

            writerA.Dispose();
        }

        Assert.True(watcher.ExitCode == 0, $"exit {watcher.ExitCode}: {await stdout} {await stderr}");
        Assert.Contains("Stopped", await stdout, StringComparison.Ordinal);

        // What the stop left is sent by a plain rerun, which must not send anything a second time.
        var rerun = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, upload);
        Assert.True(rerun.ExitCode == 0, rerun.StandardOutput + rerun.StandardError);
        foreach (var (run, points) in expected)
        {
            var stored = await ScalarsAsync(project, run, "loss");
            Assert.Equal(points.Keys, stored.Select(p => p.Step));
            Assert.Equal(points.Values.Select(v => (double)v), stored.Select(p => p.Value));
            Assert.Equal(points.Count, (await ScalarsAsync(project, run, "acc")).Count);
            Assert.Equal(2L * points.Count, await WriterPointsAsync(project, run));
        }

        var again = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, upload);
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
        Assert.Equal(2L * expected["job/a"].Count, await WriterPointsAsync(project, "job/a"));
    }

    private static float ValueOf(string tag, long step) => tag == "loss" ? (float)Math.Exp(-step * 0.001) : step * 0.5f;

    // Run b's file as its writer produced it (written elsewhere first, copied in pieces below).
    private byte[] WriteRunB(SortedDictionary<long, float> expected)
    {
        var scratch = Directory.CreateDirectory(Path.Combine(_temp.FullName, "scratch-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        using (var writer = EventFileWriter.Create(scratch))
        {
            for (var step = 0L; step < 400; step++)
            {
                writer.WriteScalar("loss", step, ValueOf("loss", step), 1_700_000_000 + step);
                writer.WriteScalar("acc", step, ValueOf("acc", step), 1_700_000_000 + step);
                expected[step] = ValueOf("loss", step);
            }
        }

        return File.ReadAllBytes(EventFiles.List(scratch).Single());
    }

    // What TensorBoard can read of the folder so far (a torn last record is not read).
    private static int PointsReadableIn(string folder) => LogdirSnapshot.Read(folder).Runs.Sum(r => r.Points.Values.Sum(p => p.Count));

    private Task WaitForAsync(string project, string run, long points, Process watcher, bool atLeast = false)
    {
        var stored = 0L;
        return Eventually.TrueAsync(
            async () =>
            {
                stored = await PointCountAsync(project, run);
                if (atLeast ? stored >= points : stored == points)
                {
                    return true;
                }

                Assert.False(watcher.HasExited, "the watcher exited");
                Assert.True(stored < points || atLeast, $"{run}: {stored} points stored, only {points} written");
                return false;
            },
            TimeSpan.FromSeconds(60),
            () => $"{run}: {points} points; {stored} stored so far");
    }

    private async Task<long> PointCountAsync(string project, string run)
    {
        await using var command = services.DataSource.CreateCommand(
            """
            SELECT COALESCE(sum(c.point_count), 0) FROM all_scalar_chunks c JOIN series s USING (series_id) JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = $1 AND r.name = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The points the server committed from the run's writers: a point sent twice (in a new batch) counts twice.
    private async Task<long> WriterPointsAsync(string project, string run)
    {
        await using var command = services.DataSource.CreateCommand(
            "SELECT coalesce(sum(w.points), 0)::bigint FROM writers w JOIN runs r USING (run_id) JOIN projects p USING (project_id) WHERE p.name = $1 AND r.name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<(long Step, double Value)>> ScalarsAsync(string project, string run, string tag)
    {
        await using var command = services.DataSource.CreateCommand(
            """
            SELECT s.series_id FROM series s JOIN runs r USING (run_id) JOIN projects p USING (project_id)
            WHERE p.name = $1 AND r.name = $2 AND s.tag = $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = run });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tag });
        if (await command.ExecuteScalarAsync() is not long seriesId)
        {
            return [];
        }

        var points = await ScalarChunkReads.ReadPointsAsync(services.DataSource, seriesId, long.MinValue, long.MaxValue, CancellationToken.None);
        return [.. points.Select(p => (p.Step, p.Value))];
    }
}
