using Metrics.Cli.Console;
using Metrics.Client;
using Metrics.TensorBoard;

namespace Metrics.Cli.Upload;

/// <summary>
/// Uploads every run of a logdir (nested runs too), a few runs at a time; with watch, keeps
/// polling for new files, new runs and growth of the files being written until cancelled.
/// A <see cref="ConnectionWatch"/> reports an unreachable server at once and ends the upload after
/// the connect timeout when the server never answered.
/// </summary>
internal sealed class LogdirUploader(UploadSettings settings, UploadProgress progress, TimeProvider time)
{
    private const int Parallelism = 4;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var state = UploadState.Load(settings.StateFile);
        var uploads = new Dictionary<string, RunUpload>(StringComparer.Ordinal);
        var watch = new ConnectionWatch("upload", settings.Server, settings.ConnectTimeout, time, progress.Problem);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopWatching = new CancellationTokenSource();
        var watching = watch.RunAsync(giveUp, stopWatching.Token);
        try
        {
            var interrupted = false;
            try
            {
                await PumpAsync(uploads, state, watch, giveUp.Token);
            }
            catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
            {
                interrupted = !watch.GaveUp;
            }

            await stopWatching.CancelAsync();
            await watching;
            if (uploads.Count == 0 && !settings.Watch)
            {
                progress.Finish();
                progress.Problem($"metrics upload: no runs under {Path.GetFullPath(settings.Logdir)}: no folder in it holds a file whose name contains 'tfevents'.");
                return 1;
            }

            // Also after Ctrl-C: wait for the acknowledgements of what was sent, so each run's progress
            // can be saved up to its last sent record and the next run sends none of it again. Not when
            // the server is not answering: then waiting only delays the exit.
            var reachable = watch.Connected && !watch.GaveUp;
            using var noWait = new CancellationTokenSource();
            if (!reachable)
            {
                await noWait.CancelAsync();
            }

            var incomplete = 0L;
            foreach (var upload in uploads.Values)
            {
                var closed = await upload.CloseAsync(noWait.Token);
                incomplete += closed.PendingBatches;
            }

            progress.Finish();
            var problems = uploads.Values.Count(u => u.HadProblems);
            if (watch.GaveUp)
            {
                progress.Problem(watch.GiveUpMessage);
                return 1;
            }

            if (incomplete > 0 && reachable)
            {
                progress.Problem("metrics upload: the server did not acknowledge everything in time; run the same command again to finish.");
                return 1;
            }

            if (incomplete > 0)
            {
                progress.Problem($"metrics upload: {(interrupted ? "interrupted while " : string.Empty)}the ingest service at {settings.Server.OriginalString} is not reachable ({watch.LastError ?? "no answer"}); the next run of the same command sends what was not acknowledged.");
                return interrupted && !settings.Watch ? 130 : 1;
            }

            if (interrupted)
            {
                progress.Message(settings.Watch ? "Stopped; the next run continues where this one stopped." : "Interrupted; the next run continues where this one stopped.");
                return !settings.Watch ? 130 : problems == 0 ? 0 : 1;
            }

            if (problems > 0)
            {
                progress.Problem($"metrics upload: {problems} run(s) had unreadable data (see above); everything readable was uploaded.");
                return 1;
            }

            return 0;
        }
        catch (SummaryWriterException e)
        {
            progress.Finish();
            progress.Problem("metrics upload: " + e.Message);
            return 1;
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watching;
            foreach (var upload in uploads.Values)
            {
                await upload.DisposeAsync();
            }
        }
    }

    // Until everything is sent (once) or, with watch, until cancelled.
    private async Task PumpAsync(Dictionary<string, RunUpload> uploads, UploadState state, ConnectionWatch watch, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var run in EventFiles.FindRuns(settings.Logdir))
            {
                var name = RunNameOf(run);
                if (!uploads.ContainsKey(name))
                {
                    uploads[name] = new RunUpload(run, name, settings, state, progress, watch);
                    progress.RunFound();
                }
            }

            using var gate = new SemaphoreSlim(Parallelism);
            await Task.WhenAll(uploads.Values.Select(async upload =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await upload.PumpAsync(cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }));

            if (!settings.Watch)
            {
                return;
            }

            await Task.Delay(settings.PollInterval, time, cancellationToken);
        }
    }

    /// <summary>The run name: the folder's path relative to the logdir; files directly in the logdir make a run named after the logdir's folder.</summary>
    private string RunNameOf(LogdirRun run) =>
        run.Name == "." ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Logdir))) : run.Name;
}
