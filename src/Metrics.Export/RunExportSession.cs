using System.Globalization;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Export;

/// <summary>
/// Keeps one run's folder of the logdir equal to the database, exactly once (docs/exporter.md):
/// <list type="bullet">
/// <item>Open: takes the run's file lock, reads the recorded progress, cuts the recorded file back
/// to its recorded length (anything after it was never recorded) and deletes every other event file
/// of the folder (an unfinished generation, or one whose deletion a crash interrupted).</item>
/// <item>Append: points after each series' exported step, in step order across series, fsynced in
/// chunks; each chunk's progress is recorded (compare-and-set) only after its fsync.</item>
/// <item>Rewrite (rewrite_version moved: restart, late or replaced point; or the file is lost): the
/// whole run into a new file generation, built in a staging folder, fsynced, moved into the run
/// folder (its name sorts after the old file's), recorded, and only then the old file deleted.</item>
/// </list>
/// The caller makes sure one process at a time drives a run (advisory lock). Because that lock can be
/// lost while its holder still runs (a failover), opening also takes the run's owner epoch (a fencing
/// token): every record is a compare-and-set on it, so a stale owner records nothing, and a run taken
/// from an owner that did not release it is written to a new file generation, never appended to the
/// file the stale owner may still be writing. The file lock stops a second writer where flock holds.
/// After an exception, dispose the session and open a new one (it resumes from what was recorded);
/// <see cref="ReleaseAsync"/> lets go cleanly. Not thread-safe.
/// </summary>
public sealed class RunExportSession : IDisposable
{
    private readonly LogdirExportOptions _options;
    private readonly RunPointSource _source;
    private readonly ExportStateStore _store;
    private readonly FileStream? _fileLock;
    private readonly string _runFolder;
    private ExportState _state = ExportState.None;
    private long _epoch;
    private EventFileWriter? _writer;
    private bool _fileLost;
    private long _lastRewriteTimestamp;
    private bool _rewritten;

    private RunExportSession(LogdirExportOptions options, RunPointSource source, ExportStateStore store, RunInfo run, FileStream? fileLock, string runFolder)
    {
        _options = options;
        _source = source;
        _store = store;
        Run = run;
        _fileLock = fileLock;
        _runFolder = runFolder;
    }

    public RunInfo Run { get; }

    /// <summary>The recorded progress (null while nothing is exported).</summary>
    public ExportState? State => _state.HasFile ? _state : null;

    /// <summary>The owner epoch (fencing token) this session took the run at.</summary>
    public long Epoch => _epoch;

    /// <summary>The owner whose unreleased file made this session write a new generation (null: resumed in place).</summary>
    public string? TakenFrom { get; private set; }

    /// <summary>
    /// Takes over run <paramref name="runId"/>: null if the run does not exist. Throws
    /// <see cref="ExportConflictException"/> when another process holds the run's file lock and
    /// <see cref="UnsafeLogdirPathException"/> for a name that cannot be a folder of the logdir.
    /// </summary>
    public static async Task<RunExportSession?> OpenAsync(LogdirExportOptions options, NpgsqlDataSource dataSource, long runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var source = new RunPointSource(dataSource);
        var store = new ExportStateStore(dataSource);
        if (await source.GetRunAsync(runId, cancellationToken) is not { } run)
        {
            return null;
        }

        var runFolder = LogdirPaths.RunFolder(options.Root, run.Project, run.Name, create: true);
        var fileLock = options.LockFiles ? LockRun(options.Root, runId) : null;
        var session = new RunExportSession(options, source, store, run, fileLock, runFolder);
        try
        {
            await session.ResumeAsync(cancellationToken);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>One pass: brings the run's files up to the database's current data version.</summary>
    public async Task<ExportPassResult> ExportAsync(CancellationToken cancellationToken)
    {
        if (await _source.GetRunAsync(Run.RunId, cancellationToken) is not { } run)
        {
            return new ExportPassResult(ExportPassKind.RunDeleted, 0);
        }

        if (_writer is null || _fileLost)
        {
            return await RewriteAsync(run, cancellationToken);
        }

        if (await _source.LateOwnSessionStartAsync(run.RunId, _state.SeriesSteps, cancellationToken))
        {
            // The file holds the session start made from runs.hparams; appending the run's own would
            // make two (TensorBoard keeps the first, the Rust loader drops the second): rewrite now,
            // whatever the rewrite delay, and the new generation holds only the run's own.
            return await RewriteAsync(run, cancellationToken);
        }

        if (run.RewriteVersion != _state.RewriteVersion)
        {
            var wait = _rewritten ? _options.RewriteDelay - _options.TimeProvider.GetElapsedTime(_lastRewriteTimestamp) : TimeSpan.Zero;
            if (wait <= TimeSpan.Zero)
            {
                return await RewriteAsync(run, cancellationToken);
            }

            // Too soon after the last rewrite: append what is new now and come back for the rewrite.
            var appended = await AppendAsync(run with { RewriteVersion = _state.RewriteVersion, DataVersion = _state.DataVersion }, cancellationToken);
            return appended with { RewriteDueIn = wait };
        }

        return run.DataVersion == _state.DataVersion
            ? new ExportPassResult(ExportPassKind.UpToDate, 0)
            : await AppendAsync(run, cancellationToken);
    }

    /// <summary>
    /// Lets go of the run cleanly: closes its file, then marks the run released at this session's
    /// epoch, so the next owner may append to the file instead of writing a new generation.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        Dispose();
        await _store.ReleaseAsync(Run.RunId, _epoch, cancellationToken);
    }

    /// <summary>
    /// Closes the file and releases the file lock. Events buffered but not recorded (a pass that
    /// failed or was cancelled mid-chunk) are dropped, not written: the file may no longer be this session's.
    /// </summary>
    public void Dispose()
    {
        _writer?.Abandon();
        _writer = null;
        _fileLock?.Dispose();
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        var claim = await _store.ClaimAsync(Run.RunId, _options.Owner, cancellationToken);
        _epoch = claim.Epoch;
        _state = claim.State;
        if (claim.UnreleasedWriter is { } previous && previous != _options.Owner)
        {
            // The owner that wrote the file lost the run without letting go (its lock connection or the
            // primary died) and may still be writing: touch none of its files; the first pass writes a
            // new generation, and the old file is deleted once that generation is recorded.
            TakenFrom = previous;
            _fileLost = true;
            return;
        }

        ClearStaging();
        if (!_state.HasFile)
        {
            // Files of a first generation that was never recorded.
            DeleteEventFiles(except: null);
            return;
        }

        var path = Path.Combine(_runFolder, _state.FileName);
        var file = new FileInfo(path);
        if (file.LinkTarget is null && file.Exists && file.Length >= _state.ByteLength)
        {
            _writer = EventFileWriter.Append(path, _state.ByteLength, WriterOptions(floor: null));
            DeleteEventFiles(except: _state.FileName);
            // Runs exported before manifests existed get one here.
            RecordFiles(_state.FileName);
        }
        else
        {
            // The recorded file is gone (deleted by hand, or its creation lost in a power failure): rewrite.
            _fileLost = true;
        }
    }

    private async Task<ExportPassResult> AppendAsync(RunInfo run, CancellationToken cancellationToken)
    {
        var writer = _writer!;
        var series = await _source.GetSeriesAsync(run.RunId, cancellationToken);
        var merger = await _source.OpenAsync(series, _state.SeriesSteps, cancellationToken);
        long points = 0;
        long inChunk = 0;
        long chunkBytes = 0;
        while (await merger.MoveNextAsync(cancellationToken))
        {
            var point = merger.Current;
            RunEventWriter.Write(writer, point);
            points++;
            inChunk++;
            chunkBytes += ApproximateSize(point);
            if (inChunk >= _options.ChunkPoints || chunkBytes >= _options.ChunkBytes)
            {
                await RecordAsync(writer, merger, _state.DataVersion, _state.RewriteVersion, cancellationToken);
                inChunk = 0;
                chunkBytes = 0;
            }
        }

        await RecordAsync(writer, merger, run.DataVersion, run.RewriteVersion, cancellationToken);
        return new ExportPassResult(points > 0 ? ExportPassKind.Appended : ExportPassKind.UpToDate, points);
    }

    private async Task RecordAsync(EventFileWriter writer, RunPointMerger merger, long dataVersion, long rewriteVersion, CancellationToken cancellationToken)
    {
        CheckFileUntouched(writer);
        var length = writer.FlushAndSync();
        var steps = new Dictionary<long, long>(_state.SeriesSteps);
        foreach (var (seriesId, step) in merger.Positions)
        {
            steps[seriesId] = step;
        }

        var next = _state with { ByteLength = length, DataVersion = dataVersion, RewriteVersion = rewriteVersion, SeriesSteps = steps };
        if (!await _store.TryRecordAsync(Run.RunId, _epoch, _state, next, cancellationToken))
        {
            throw new ExportConflictException("export progress of run " + Run.RunId.ToString(CultureInfo.InvariantCulture) + " was changed by another exporter");
        }

        _state = next;
    }

    private async Task<ExportPassResult> RewriteAsync(RunInfo run, CancellationToken cancellationToken)
    {
        _writer?.Dispose();
        _writer = null;
        var hadFiles = _state.HasFile || EventFiles.List(_runFolder).Count > 0;
        var staging = ClearStaging();
        var series = await _source.GetSeriesAsync(run.RunId, cancellationToken);
        var merger = await _source.OpenAsync(series, new Dictionary<long, long>(), cancellationToken);
        if (!hadFiles && merger.PeekStep is null)
        {
            // Nothing to write yet (OpenRun came before the first batch): a file now would hold only the
            // session start made from runs.hparams, which the run's own may still replace.
            return new ExportPassResult(ExportPassKind.UpToDate, 0);
        }

        var options = WriterOptions(NameFloor());
        string stagedPath;
        long length;
        long points;
        using (var writer = EventFileWriter.Create(staging, options))
        {
            stagedPath = writer.FilePath;
            if (hadFiles)
            {
                // A TensorBoard already reading the run (Python loader) purges what it had at step ≥ this.
                var first = merger.PeekStep ?? 0;
                writer.WriteSessionStart(Math.Min(first, 0), _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            }

            points = await RunEventWriter.WriteRunAsync(writer, _source, run.RunId, series, merger, cancellationToken);
            length = writer.FlushAndSync();
        }

        var fileName = Path.GetFileName(stagedPath);
        var path = Path.Combine(LogdirPaths.RunFolder(_options.Root, Run.Project, Run.Name, create: true), fileName);
        // Before the file lands in the run folder: every event file the exporter puts there is in the manifest.
        RecordFiles(_state.HasFile ? [_state.FileName, fileName] : [fileName]);
        File.Move(stagedPath, path, overwrite: false);
        var next = new ExportState(_state.Generation + 1, fileName, length, run.DataVersion, run.RewriteVersion, merger.Positions);
        // If this throws, whether it was recorded is unknown: the next open keeps the file the database names.
        if (!await _store.TryRecordAsync(Run.RunId, _epoch, _state, next, cancellationToken))
        {
            File.Delete(path);
            throw new ExportConflictException("export progress of run " + Run.RunId.ToString(CultureInfo.InvariantCulture) + " was changed by another exporter");
        }

        _state = next;
        _fileLost = false;
        DeleteEventFiles(except: fileName);
        RecordFiles(fileName);
        _writer = EventFileWriter.Append(path, length, WriterOptions(floor: null));
        _lastRewriteTimestamp = _options.TimeProvider.GetTimestamp();
        _rewritten = true;
        return new ExportPassResult(ExportPassKind.Rewritten, points);
    }

    // The file must be exactly what this session wrote to it: another writer's bytes (an owner that
    // should have been fenced off, e.g. two processes under one owner name) or a replaced or deleted
    // file mean this session no longer owns it. Checked before each chunk reaches the file.
    private void CheckFileUntouched(EventFileWriter writer)
    {
        var file = new FileInfo(writer.FilePath);
        if (!file.Exists || file.Length != writer.Length)
        {
            throw new ExportConflictException(
                "event file " + writer.FilePath + " of run " + Run.RunId.ToString(CultureInfo.InvariantCulture) + " is "
                + (file.Exists ? file.Length.ToString(CultureInfo.InvariantCulture) + " bytes, not the " + writer.Length.ToString(CultureInfo.InvariantCulture) + " this exporter wrote" : "gone")
                + ": another exporter wrote it");
        }
    }

    // What DeletedRunFolders may remove once the run is deleted from the database.
    private void RecordFiles(params string[] files)
    {
        var manifest = new RunManifest(Run.Project, Run.Name, files);
        if (RunManifest.Load(_options.Root, Run.RunId) is not { } recorded
            || recorded.Project != manifest.Project || recorded.Run != manifest.Run || !recorded.Files.SequenceEqual(files))
        {
            RunManifest.Save(_options.Root, Run.RunId, manifest);
        }
    }

    private EventFileWriterOptions WriterOptions(DateTimeOffset? floor) => new()
    {
        Host = _options.HostName,
        TimeProvider = floor is { } f ? new FloorTimeProvider(_options.TimeProvider, f) : _options.TimeProvider,
        // Bytes reach the file only when a chunk is fsynced and recorded: a TensorBoard reading the
        // file meanwhile rarely sees bytes that a crash would cut off again.
        MaxQueue = int.MaxValue,
        FlushInterval = TimeSpan.FromDays(1),
        MaxBufferedBytes = (int)Math.Min(int.MaxValue, _options.ChunkBytes * 2),
    };

    // A new generation's name must sort after every event file already in the folder.
    private DateTimeOffset? NameFloor()
    {
        long latest = -1;
        foreach (var file in EventFiles.List(_runFolder))
        {
            var parts = Path.GetFileName(file).Split('.');
            if (parts.Length > 3 && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                latest = Math.Max(latest, seconds);
            }
        }

        return latest < 0 ? null : DateTimeOffset.FromUnixTimeSeconds(latest + 1);
    }

    private string ClearStaging()
    {
        var staging = LogdirPaths.InternalFolder(_options.Root, "staging/" + Run.RunId.ToString(CultureInfo.InvariantCulture));
        foreach (var file in Directory.EnumerateFiles(staging))
        {
            File.Delete(file);
        }

        return staging;
    }

    private void DeleteEventFiles(string? except)
    {
        foreach (var file in EventFiles.List(_runFolder))
        {
            if (except is null || Path.GetFileName(file) != except)
            {
                File.Delete(file);
            }
        }
    }

    private static long ApproximateSize(in ExportPoint point)
    {
        long size = 32 + point.Series.Tag.Length;
        if (point.Tensor is { } tensor)
        {
            size += tensor.Length;
        }

        foreach (var blob in point.Blobs ?? [])
        {
            size += blob.Length;
        }

        return size;
    }

    // flock(LOCK_EX) through FileShare.None: held until Dispose or the process dies.
    internal static FileStream LockRun(string root, long runId)
    {
        var path = Path.Combine(LogdirPaths.InternalFolder(root, "locks"), runId.ToString(CultureInfo.InvariantCulture) + ".lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new ExportConflictException("run " + runId.ToString(CultureInfo.InvariantCulture) + " is being exported by another process (file lock " + path + ")", e);
        }
    }
}
