using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Metrics.Cli.Console;
using Metrics.Client;
using Metrics.TensorBoard;
using Microsoft.Extensions.Logging.Abstractions;
using DataClass = Metrics.Contracts.TensorBoard.DataClass;

namespace Metrics.Cli.Upload;

/// <summary>
/// One run of the logdir: reads its event files in order (TensorBoard's reader: v1 → v2, restarts)
/// and sends every point through one <see cref="SummaryWriter"/> whose writer id is derived from
/// (project, run), so the stream keeps file order (a restart is applied after the earlier files'
/// points). Progress (a record boundary) is saved after every acknowledged commit; a rerun re-reads
/// the run and skips the records before it.
/// </summary>
internal sealed class RunUpload : IAsyncDisposable
{
    private const int PointsPerCommit = 20_000;

    private readonly LogdirRun _run;
    private readonly UploadState _state;
    private readonly UploadProgress _progress;
    private readonly RunReader _reader;
    private readonly UploadSettings _settings;
    private readonly ConnectionWatch _watch;
    private readonly string _journal;
    private readonly RunPosition? _saved;
    private readonly long _pointsBefore;
    private SummaryWriter? _writer;
    private long _points;
    private long _unsaved;
    private long _bytesCounted;
    private int _problemsReported;

    public RunUpload(LogdirRun run, string runName, UploadSettings settings, UploadState state, UploadProgress progress, ConnectionWatch watch)
    {
        _run = run;
        RunName = runName;
        _settings = settings;
        _state = state;
        _progress = progress;
        _watch = watch;
        var entry = state.Get(runName);
        _saved = entry is null ? null : new RunPosition(entry.File, entry.Offset);
        _pointsBefore = entry?.Points ?? 0;
        _reader = new RunReader(run.Name, run.Directory);
        // The event files are the durable copy: the writer's journal only lives for this session.
        _journal = Path.Combine(Path.GetTempPath(), "metrics-upload-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public string RunName { get; }

    /// <summary>Damaged records or unreadable events were found in this run's files (reported once each).</summary>
    public bool HadProblems => _problemsReported > 0;

    /// <summary>Writer id of a run's uploads: the same for every upload of (project, run), so the server's exactly-once bookkeeping spans reruns.</summary>
    public static string WriterIdOf(string project, string runName) =>
        "upload-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(project + "\n" + runName)), 0, 10).ToLowerInvariant();

    /// <summary>
    /// Sends everything written so far (a torn last record waits for the next call); true if anything
    /// was sent. Cancellation stops it between two items: what was sent is saved by <see cref="CloseAsync"/>.
    /// </summary>
    public async Task<bool> PumpAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var before = _reader.Position;
            if (!_reader.TryRead(out var item))
            {
                break;
            }

            // Items of a record that starts before the saved position were acknowledged (saved
            // positions are always record boundaries).
            if (_saved is { } saved && (before is null || Compare(before.Value, saved) < 0))
            {
                continue;
            }

            Send(item);
            sent++;
            _unsaved++;
            var atRecordBoundary = _reader.Position != before;
            if (_unsaved >= PointsPerCommit && atRecordBoundary)
            {
                await CommitAsync(cancellationToken);
            }
        }

        ReportProblems();
        if (_unsaved > 0)
        {
            await CommitAsync(cancellationToken);
        }

        return sent > 0;
    }

    /// <summary>
    /// Waits for the acknowledgements of everything sent (up to the writer's DisposeTimeout, or not at
    /// all with a cancelled <paramref name="cancellationToken"/>), then saves the progress.
    /// </summary>
    public async Task<SummaryWriterCloseResult> CloseAsync(CancellationToken cancellationToken)
    {
        var result = _writer is null ? new SummaryWriterCloseResult() : await _writer.CloseAsync(cancellationToken);
        if (result.PendingBatches == 0 && _unsaved > 0)
        {
            Save();
        }

        _progress.RunDone(RunName, _points, _pointsBefore, result.PendingBatches == 0);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }

        _reader.Dispose();
        if (Directory.Exists(_journal))
        {
            Directory.Delete(_journal, recursive: true);
        }
    }

    private static int Compare(RunPosition a, RunPosition b)
    {
        var byFile = string.CompareOrdinal(a.FileName, b.FileName);
        return byFile != 0 ? byFile : a.Offset.CompareTo(b.Offset);
    }

    // The writer (and so the run on the server) only exists once the run has something to send:
    // a run whose files hold nothing readable creates no empty run.
    private SummaryWriter Writer()
    {
        if (_writer is null)
        {
            _writer = new SummaryWriter(new SummaryWriterOptions
            {
                Server = _settings.Server,
                Token = _settings.Token,
                Project = _settings.Project,
                RunName = RunName,
                WriterId = WriterIdOf(_settings.Project, RunName),
                JournalDirectory = _journal,
                MaxQueue = 5_000,
                FlushInterval = TimeSpan.FromSeconds(1),
                DisposeTimeout = TimeSpan.FromSeconds(30),
                // The command reports connection trouble itself (ConnectionWatch), once for all runs.
                LoggerFactory = NullLoggerFactory.Instance,
            });
            _watch.Add(_writer);
        }

        return _writer;
    }

    private void ReportProblems()
    {
        for (; _problemsReported < _reader.Problems.Count; _problemsReported++)
        {
            var problem = _reader.Problems[_problemsReported];
            _progress.Problem(string.Create(
                CultureInfo.InvariantCulture,
                $"metrics upload: run {RunName}: {problem.FilePath} at offset {problem.Offset}: {problem.Message}; the rest of that file is not uploaded (`metrics logdir inspect` shows what TensorBoard reads)."));
        }
    }

    private void Send(in RunItem item)
    {
        var writer = Writer();
        switch (item.Kind)
        {
            case RunItemKind.Restart:
                // Online, a restart carries no wall time: only its step reaches the server.
                writer.MarkRestart(item.Step);
                return;
            case RunItemKind.TagsPurge:
                // Files without file_version only; later points of those steps replace the earlier ones.
                return;
        }

        var point = item.Point;
        switch (point.DataClass)
        {
            case DataClass.Scalar:
                writer.AddEventScalar(point.Tag, point.Scalar, point.Step, point.WallTime, point.Metadata);
                break;
            case DataClass.Tensor:
            case DataClass.BlobSequence:
                writer.AddEventTensor(point.Tag, point.Tensor, point.Step, point.WallTime, point.Metadata);
                break;
            default:
                // TensorBoard's data provider does not show values of unknown plugins either.
                return;
        }
    }

    private async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _writer!.FlushAsync(cancellationToken);
        Save();
    }

    // Everything sent so far is acknowledged: remember where the reader is.
    private void Save()
    {
        var points = _unsaved;
        _points += points;
        _unsaved = 0;
        if (_reader.Position is { } position)
        {
            _state.Set(RunName, new UploadState.Entry(position.FileName, position.Offset, _pointsBefore + _points));
            var bytes = BytesRead(position);
            _progress.Committed(RunName, points, bytes - _bytesCounted);
            _bytesCounted = bytes;
        }
    }

    private long BytesRead(RunPosition position) =>
        EventFiles.List(_run.Directory)
            .Where(path => string.CompareOrdinal(Path.GetFileName(path), position.FileName) < 0)
            .Sum(path => new FileInfo(path).Length) + position.Offset;
}
