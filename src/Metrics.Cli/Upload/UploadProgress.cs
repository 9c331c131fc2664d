using System.Diagnostics;
using System.Globalization;

namespace Metrics.Cli.Upload;

/// <summary>
/// Counters of an upload, redrawn on one line on a terminal, or printed as plain lines when output is
/// redirected. Counts are this invocation's: what earlier runs of the command uploaded is said apart.
/// Problems (damaged files, an unreachable server) go to <paramref name="error"/>.
/// </summary>
internal sealed class UploadProgress(TextWriter output, TextWriter error, bool interactive)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private long _points;
    private long _bytes;
    private int _runs;
    private int _runsDone;
    private TimeSpan _lastDraw;

    public long Points => Interlocked.Read(ref _points);

    public void RunFound() => Interlocked.Increment(ref _runs);

    public void Committed(string run, long points, long bytes)
    {
        Interlocked.Add(ref _points, points);
        Interlocked.Add(ref _bytes, bytes);
        Draw(force: false, run);
    }

    public void RunDone(string run, long points, long uploadedBefore, bool complete)
    {
        Interlocked.Increment(ref _runsDone);
        if (!interactive)
        {
            var line = !complete
                ? string.Create(CultureInfo.InvariantCulture, $"run {run}: {points} points uploaded; the rest was not acknowledged")
                : points == 0 && uploadedBefore > 0
                ? string.Create(CultureInfo.InvariantCulture, $"run {run}: up to date ({uploadedBefore} points uploaded before)")
                : uploadedBefore > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"run {run}: {points} points uploaded ({uploadedBefore} before)")
                    : string.Create(CultureInfo.InvariantCulture, $"run {run}: {points} points uploaded");
            lock (_lock)
            {
                output.WriteLine(line);
            }
        }
    }

    /// <summary>A line on the error stream (the terminal's progress line is cleared first).</summary>
    public void Problem(string line)
    {
        lock (_lock)
        {
            if (interactive)
            {
                output.Write("\r" + new string(' ', TerminalWidth.Or(80) - 1) + "\r");
                output.Flush();
            }

            error.WriteLine(line);
        }
    }

    public void Message(string line)
    {
        lock (_lock)
        {
            output.WriteLine(interactive ? "\r" + line.PadRight(TerminalWidth.Or(80) - 1) : line);
        }
    }

    public void Finish()
    {
        Draw(force: true, null);
        lock (_lock)
        {
            output.WriteLine(interactive ? string.Empty : Summary());
        }
    }

    private void Draw(bool force, string? run)
    {
        if (!interactive)
        {
            return;
        }

        lock (_lock)
        {
            var now = _clock.Elapsed;
            if (!force && now - _lastDraw < TimeSpan.FromMilliseconds(200))
            {
                return;
            }

            _lastDraw = now;
            var line = Summary() + (run is null ? string.Empty : "  " + run);
            output.Write("\r" + line.PadRight(TerminalWidth.Or(80) - 1)[..Math.Max(0, TerminalWidth.Or(80) - 1)]);
        }
    }

    private string Summary()
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var points = Interlocked.Read(ref _points);
        var bytes = Interlocked.Read(ref _bytes);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"runs {_runsDone}/{_runs}  points {points:N0}  read {bytes / 1048576.0:N1} MiB  {points / seconds:N0} points/s");
    }
}
