using Metrics.Client;
using Metrics.TensorBoard;

namespace Metrics.Cli.Upload;

/// <summary>
/// Uploads every run of a logdir (nested runs too), a few runs at a time; with watch, keeps
/// polling for new files, new runs and growth of the files being written until cancelled.
/// </summary>
internal sealed class LogdirUploader(UploadSettings settings, UploadProgress progress)
{
    private const int Parallelism = 4;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var state = UploadState.Load(settings.StateFile);
        var uploads = new Dictionary<string, RunUpload>(StringComparer.Ordinal);
        try
        {
            var interrupted = false;
            try
            {
                await PumpAsync(uploads, state, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = true;
            }

            // Also after Ctrl-C: wait for the acknowledgements of what was sent, so each run's progress
            // can be saved up to its last sent record and the next run sends none of it again.
            var incomplete = 0L;
            foreach (var upload in uploads.Values)
            {
                var closed = await upload.CloseAsync();
                incomplete += closed.PendingBatches;
            }

            progress.Finish();
            if (incomplete > 0)
            {
                progress.Message("metrics upload: the server did not acknowledge everything in time; run the same command again to finish.");
                return 1;
            }

            if (interrupted)
            {
                progress.Message(settings.Watch ? "Stopped; the next run continues where this one stopped." : "Interrupted; the next run continues where this one stopped.");
                return settings.Watch ? 0 : 130;
            }

            return 0;
        }
        catch (SummaryWriterException e)
        {
            progress.Finish();
            progress.Message("metrics upload: " + e.Message);
            return 1;
        }
        finally
        {
            foreach (var upload in uploads.Values)
            {
                await upload.DisposeAsync();
            }
        }
    }

    // Until everything is sent (once) or, with watch, until cancelled.
    private async Task PumpAsync(Dictionary<string, RunUpload> uploads, UploadState state, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var run in EventFiles.FindRuns(settings.Logdir))
            {
                var name = RunNameOf(run);
                if (!uploads.ContainsKey(name))
                {
                    uploads[name] = new RunUpload(run, name, settings, state, progress);
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

            await Task.Delay(settings.PollInterval, cancellationToken);
        }
    }

    /// <summary>The run name: the folder's path relative to the logdir; files directly in the logdir make a run named after the logdir's folder.</summary>
    private string RunNameOf(LogdirRun run) =>
        run.Name == "." ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.Logdir))) : run.Name;
}
