using System.Diagnostics;
using System.Globalization;
using System.Text;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Cli.Tests.Upload;

/// <summary>`metrics upload --watch` (a real process) while the real ingest goes away and comes back: it says so, keeps retrying, and finishes.</summary>
public sealed class UploadOutageTests(IngestFixture ingest) : IClassFixture<IngestFixture>, IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-upload-outage-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task UploadWatch_IngestStoppedThenRestarted_ReportsLossRetriesVisiblyAndCompletes()
    {
        var logdir = Path.Combine(_temp.FullName, "logdir");
        var writer = EventFileWriter.Create(Path.Combine(logdir, "outage"), new EventFileWriterOptions());
        for (var step = 0; step < 100; step++)
        {
            writer.WriteScalar("loss", step, step, 1_700_000_000 + step);
        }

        writer.Flush();
        using var upload = ProcessRunner.StartDotnet(ServiceBinaries.Cli, [
            "upload", "--server", ingest.Server.Url.ToString(), "--token", ingest.Token, "--project", IngestFixture.Project,
            "--logdir", logdir, "--state-file", Path.Combine(_temp.FullName, "state.json"), "--watch", "--poll-seconds", "0.1", "--connect-timeout", "5"]);
        var stdout = upload.StandardOutput.ReadToEndAsync();
        var errors = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            while (await upload.StandardError.ReadLineAsync() is { } line)
            {
                lock (errors)
                {
                    errors.AppendLine(line);
                }
            }
        });
        string Errors()
        {
            lock (errors)
            {
                return errors.ToString();
            }
        }

        try
        {
            await WaitForAsync(async () => await ingest.Stored.PointCountAsync("outage") == 100, upload, Errors);
            await ingest.Server.StopAsync();
            for (var step = 100; step < 200; step++)
            {
                writer.WriteScalar("loss", step, step, 1_700_000_000 + step);
            }

            writer.Flush();
            await WaitForAsync(() => Task.FromResult(Errors().Contains("metrics upload: lost the ingest service: Unavailable", StringComparison.Ordinal)), upload, Errors);
            // Longer than --connect-timeout: a server that answered before is not given up on.
            await WaitForAsync(() => Task.FromResult(Errors().Contains("still cannot reach the ingest service after", StringComparison.Ordinal)), upload, Errors);
            await WaitForAsync(() => Task.FromResult(Errors().Split('\n').Count(l => l.Contains("still cannot reach", StringComparison.Ordinal)) >= 2), upload, Errors);
            Assert.False(upload.HasExited, Errors());

            await ingest.Server.StartAsync();

            await WaitForAsync(() => Task.FromResult(Errors().Contains("metrics upload: connected to the ingest service at " + ingest.Server.Url, StringComparison.Ordinal)), upload, Errors);
            await WaitForAsync(async () => await ingest.Stored.PointCountAsync("outage") == 200, upload, Errors);
        }
        finally
        {
            writer.Dispose();
            await ProcessRunner.SignalAsync(upload.Id, "INT");

            await upload.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            await reading;
        }

        Assert.True(upload.ExitCode == 0, await stdout + Errors());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), (await ingest.Stored.ScalarsAsync("outage", "loss")).Select(p => p.Step));
    }

    private static Task WaitForAsync(Func<Task<bool>> condition, Process upload, Func<string> errors) =>
        Eventually.TrueAsync(
            async () =>
            {
                if (await condition())
                {
                    return true;
                }

                Assert.False(upload.HasExited, "upload exited: " + errors());
                return false;
            },
            TimeSpan.FromSeconds(90),
            () => "the upload's next step; its stderr so far:\n" + errors());
}
