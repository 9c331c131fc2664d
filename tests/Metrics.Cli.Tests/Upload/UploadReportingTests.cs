using System.Diagnostics;
using System.Globalization;
using Metrics.Cli.Tests.Support;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Cli.Tests.Upload;

/// <summary>
/// What `metrics upload` (a real process) tells its user: an unreachable or wrong server at once and
/// a bounded give-up, damaged files per file with exit 1, and this invocation's counts.
/// </summary>
public sealed class UploadReportingTests(ServicesFixture services) : IClassFixture<ServicesFixture>, IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-upload-report-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Theory]
    [InlineData("refused")]
    [InlineData("https-on-plain-port")]
    [InlineData("unresolvable")]
    [InlineData("rest-port")]
    public async Task Upload_ServerWrongOrUnreachable_ReportsAtOnceThenGivesUpAfterConnectTimeout(string server)
    {
        using var refusing = LoopbackPorts.Refusing();
        var url = server switch
        {
            "refused" => "http://127.0.0.1:" + refusing.Port.ToString(CultureInfo.InvariantCulture),
            "https-on-plain-port" => services.IngestUrl.Replace("http://", "https://", StringComparison.Ordinal),
            "unresolvable" => "http://no-such-host.invalid:50051",
            _ => services.QueryUrl,
        };
        var logdir = Logdir(server, ("train", 50));
        var clock = Stopwatch.StartNew();

        using var upload = ProcessRunner.StartDotnet(ServiceBinaries.Cli, Upload(url, services.WriteToken, ServicesFixture.Project, logdir, "--connect-timeout", "4"));
        var stdout = upload.StandardOutput.ReadToEndAsync();
        var (firstReport, early) = await ReadErrorsAsync(upload, "cannot reach the ingest service", clock);
        await upload.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var stderr = early + await upload.StandardError.ReadToEndAsync();

        Assert.True(upload.ExitCode == 1, await stdout + stderr);
        Assert.True(firstReport < TimeSpan.FromSeconds(15), $"first report after {firstReport}: {stderr}");
        Assert.Contains("cannot reach the ingest service: ", stderr, StringComparison.Ordinal);
        Assert.Contains("(" + url + ")", stderr, StringComparison.Ordinal);
        Assert.Contains($"gave up after 4 s: the ingest service at {url} acknowledged nothing", stderr, StringComparison.Ordinal);
        if (server == "refused")
        {
            Assert.Contains("Unavailable", stderr, StringComparison.Ordinal);
            Assert.Contains("Connection refused", stderr, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("did not acknowledge everything in time", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SigtermWhileServerUnreachable_ExitsPromptlyWithoutBlamingAcknowledgements()
    {
        using var refusing = LoopbackPorts.Refusing();
        var url = "http://127.0.0.1:" + refusing.Port.ToString(CultureInfo.InvariantCulture);
        var logdir = Logdir("sigterm", ("a", 20), ("b", 20));
        using var upload = ProcessRunner.StartDotnet(ServiceBinaries.Cli, Upload(url, services.WriteToken, ServicesFixture.Project, logdir));
        var stdout = upload.StandardOutput.ReadToEndAsync();
        var (_, early) = await ReadErrorsAsync(upload, "cannot reach the ingest service", Stopwatch.StartNew());
        Assert.False(upload.HasExited, early);
        var clock = Stopwatch.StartNew();

        await ProcessRunner.SignalAsync(upload.Id, "TERM");

        await upload.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var stderr = early + await upload.StandardError.ReadToEndAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"exited {clock.Elapsed} after SIGTERM");
        Assert.True(upload.ExitCode == 130, await stdout + stderr);
        Assert.Contains($"interrupted while the ingest service at {url} is not reachable", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("did not acknowledge everything in time", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_NotAnEventFileAndCorruptRecord_ReportedPerFileExitOneReadableRunsUploaded()
    {
        const string Project = "damaged";
        var token = await services.CreateTokenAsync(Project, Storage.TokenScope.Write);
        var logdir = Logdir("damaged", ("good", 30), ("torn", 10));
        var text = Path.Combine(logdir, "run1", "events.out.tfevents.123.host.1");
        Directory.CreateDirectory(Path.GetDirectoryName(text)!);
        await File.WriteAllTextAsync(text, "this is a text file, not TensorBoard events\n");
        var torn = Directory.GetFiles(Path.Combine(logdir, "torn")).Single();
        var bytes = await File.ReadAllBytesAsync(torn);
        bytes[^6] ^= 0xFF; // inside the last record's data: its checksum no longer matches
        await File.WriteAllBytesAsync(torn, bytes);

        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, Upload(services.IngestUrl, token, Project, logdir));

        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.Contains($"run run1: {text} at offset 0:", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"run torn: {torn} at offset ", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(["good", "torn"], await RunsAsync(Project));
        Assert.Equal(30, await PointsAsync(Project, "good"));
        Assert.Equal(9, await PointsAsync(Project, "torn"));
    }

    [Fact]
    public async Task Upload_LogdirWithoutRuns_ExitsOneSayingSo()
    {
        var logdir = Directory.CreateDirectory(Path.Combine(_temp.FullName, "empty")).FullName;
        await File.WriteAllTextAsync(Path.Combine(logdir, "notes.txt"), "no events here");

        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, Upload(services.IngestUrl, services.WriteToken, ServicesFixture.Project, logdir));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no runs under", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SameLogdirTwice_SecondReportsOnlyItsOwnCounts()
    {
        const string Project = "twice";
        var token = await services.CreateTokenAsync(Project, Storage.TokenScope.Write);
        var logdir = Logdir("twice", ("eval", 40), ("train", 25));
        var upload = Upload(services.IngestUrl, token, Project, logdir);

        var first = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, upload);
        var second = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, upload);

        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Contains("run eval: 40 points uploaded", first.StandardOutput, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.DoesNotContain("points uploaded\n", second.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("run eval: up to date (40 points uploaded before)", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("run train: up to date (25 points uploaded before)", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("points 0", second.StandardOutput, StringComparison.Ordinal);
    }

    private static string[] Upload(string server, string token, string project, string logdir, params string[] more) =>
        ["upload", "--server", server, "--token", token, "--project", project, "--logdir", logdir, "--state-file", Path.Combine(logdir, "..", Path.GetFileName(logdir) + "-state.json"), .. more];

    // Reads the error stream until a line holds <paramref name="marker"/> (or the process ends); when it came, and everything read.
    private static async Task<(TimeSpan At, string Text)> ReadErrorsAsync(Process process, string marker, Stopwatch clock)
    {
        var text = new System.Text.StringBuilder();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardError.ReadLineAsync(patience.Token) is { } line)
        {
            text.AppendLine(line);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return (clock.Elapsed, text.ToString());
            }
        }

        return (clock.Elapsed, text.ToString());
    }

    private string Logdir(string name, params (string Run, int Steps)[] runs)
    {
        var logdir = Path.Combine(_temp.FullName, name, "logdir");
        foreach (var (run, steps) in runs)
        {
            using var writer = EventFileWriter.Create(Path.Combine(logdir, run), new EventFileWriterOptions());
            for (var step = 0; step < steps; step++)
            {
                writer.WriteScalar("loss", step, 1f / (step + 1), 1_700_000_000 + step);
            }
        }

        Directory.CreateDirectory(logdir);
        return logdir;
    }

    private async Task<string[]> RunsAsync(string project)
    {
        await using var command = services.DataSource.CreateCommand("SELECT r.name FROM runs r JOIN projects p USING (project_id) WHERE p.name = $1 ORDER BY r.name");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = project });
        var runs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(reader.GetString(0));
        }

        return [.. runs];
    }

    private async Task<long> PointsAsync(string project, string run)
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
}
