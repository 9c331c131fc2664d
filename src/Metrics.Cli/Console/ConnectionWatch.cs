using System.Globalization;
using Metrics.Client;

namespace Metrics.Cli.Console;

/// <summary>
/// Watches the writers of `upload` or `demo` and says what the SDK's silent retries hide: the
/// first failed attempt at once (the gRPC status and the address), a reminder every few seconds
/// while the server stays down, and the reconnection. When the server never acknowledged anything
/// within the connect timeout, it gives up: <see cref="GaveUp"/> turns true and the command's
/// token is cancelled, so the command ends with one clear line instead of waiting forever.
/// </summary>
public sealed class ConnectionWatch(string command, Uri server, TimeSpan connectTimeout, TimeProvider time, Action<string> report)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReminderInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly List<SummaryWriter> _writers = [];
    private long _firstWriterAt = -1;
    private long _downSince = -1;
    private long _lastReport;
    private long _failuresSeen;
    private volatile bool _everReached;
    private volatile bool _gaveUp;

    /// <summary>True once any writer connected (the server answered at least once).</summary>
    public bool EverReached => _everReached;

    /// <summary>True when the connect timeout passed without the server ever answering.</summary>
    public bool GaveUp => _gaveUp;

    /// <summary>The latest failure of any writer (status and address), if any.</summary>
    public string? LastError { get; private set; }

    /// <summary>True while at least one watched writer has a stream open, or none is watched.</summary>
    public bool Connected
    {
        get
        {
            lock (_lock)
            {
                return _writers.Count == 0 || _writers.Any(w => w.Statistics.Connected);
            }
        }
    }

    /// <summary>The line to end with after <see cref="GaveUp"/>.</summary>
    public string GiveUpMessage =>
        $"metrics {command}: gave up after {Seconds(connectTimeout)}: the ingest service at {server.OriginalString} acknowledged nothing"
        + (LastError is { } error ? $" (last error: {error})" : " (no answer)")
        + ". Is it running? --server takes the gRPC URL of ingest that `./metrics up` prints (not the REST query port), http:// unless ingest serves TLS.";

    public void Add(SummaryWriter writer)
    {
        lock (_lock)
        {
            _writers.Add(writer);
            if (_firstWriterAt < 0)
            {
                _firstWriterAt = time.GetTimestamp();
            }
        }
    }

    /// <summary>Polls the writers until <paramref name="stop"/>; cancels <paramref name="giveUp"/> when the connect timeout passes with the server never reached.</summary>
    public async Task RunAsync(CancellationTokenSource giveUp, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (Check())
                {
                    _gaveUp = true;
                    await giveUp.CancelAsync();
                    return;
                }

                await Task.Delay(PollInterval, time, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    // One look at the writers; true when it is time to give up.
    private bool Check()
    {
        SummaryWriterStatistics[] statistics;
        long firstWriterAt;
        lock (_lock)
        {
            statistics = _writers.Select(w => w.Statistics).ToArray();
            firstWriterAt = _firstWriterAt;
        }

        if (statistics.Length == 0)
        {
            return false;
        }

        var now = time.GetTimestamp();
        var connected = statistics.Any(s => s.Connected);
        if (connected || statistics.Any(s => s.Reconnects > 0 || s.LastAcknowledged > 0))
        {
            _everReached = true;
        }

        var failures = statistics.Sum(s => s.ConnectionFailures);
        if (statistics.Where(s => s.LastConnectionError is not null).MaxBy(s => s.ConnectionFailures)?.LastConnectionError is { } error)
        {
            LastError = error;
        }

        if (connected)
        {
            if (_downSince >= 0)
            {
                report($"metrics {command}: connected to the ingest service at {server.OriginalString}.");
                _downSince = -1;
            }
        }
        else if (failures > _failuresSeen)
        {
            if (_downSince < 0)
            {
                _downSince = now;
                _lastReport = now;
                report(_everReached
                    ? $"metrics {command}: lost the ingest service: {LastError}; retrying until it is back."
                    : $"metrics {command}: cannot reach the ingest service: {LastError}; retrying for up to {Seconds(connectTimeout)} (--connect-timeout).");
            }
            else if (time.GetElapsedTime(_lastReport, now) >= ReminderInterval)
            {
                _lastReport = now;
                report($"metrics {command}: still cannot reach the ingest service after {Seconds(time.GetElapsedTime(_downSince, now))}: {LastError}; retrying.");
            }
        }

        _failuresSeen = failures;
        return !_everReached && time.GetElapsedTime(firstWriterAt, now) >= connectTimeout;
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0} s");
}
