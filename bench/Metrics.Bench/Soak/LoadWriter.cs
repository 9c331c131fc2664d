using System.Diagnostics;
using Grpc.Core;
using Metrics.Contracts.V1;
using Polly;
using Polly.Retry;

namespace Metrics.Bench.Soak;

/// <summary>
/// A training writer speaking the ingest protocol directly (no SDK), so every batch is accounted
/// for: it numbers batches 1, 2, 3…, keeps up to <c>window</c> unacknowledged, and on any
/// transport failure reconnects (OpenRun, Write, Resume) and resends from the server's last
/// committed seq, as the protocol requires. Ack latency is measured from a batch's first send to
/// its ack, outages included.
/// </summary>
public sealed class LoadWriter(LoadSeries series, Metrics.Contracts.V1.Ingest.IngestClient client, string token, LatencyRecorder latency, int window = 8, double batchesPerSecond = 0, ulong maxBatches = 0)
{
    private readonly Metadata _headers = new() { { "authorization", "Bearer " + token } };
    private readonly long[] _firstSent = new long[Math.Max(window, 1) * 4];
    private readonly Dictionary<StatusCode, int> _failures = [];
    private ulong _lastGenerated;
    private ulong _lastAcked;
    private long _reconnects;
    private long _nextDue;
    private TaskCompletionSource _ackSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LoadSeries Series => series;

    /// <summary>The highest seq made (sent at least once).</summary>
    public ulong LastGenerated => Interlocked.Read(ref _lastGenerated);

    /// <summary>The highest seq the server acknowledged (every batch up to it is committed).</summary>
    public ulong LastAcked => Interlocked.Read(ref _lastAcked);

    /// <summary>Connections after the first.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>A permanent error that stopped the writer (null while healthy).</summary>
    public string? Fault { get; private set; }

    /// <summary>gRPC statuses that broke a connection, by code (retried).</summary>
    public IReadOnlyDictionary<StatusCode, int> Failures
    {
        get
        {
            lock (_failures)
            {
                return new Dictionary<StatusCode, int>(_failures);
            }
        }
    }

    /// <summary>
    /// Writes until <paramref name="stopGenerating"/> is cancelled (or maxBatches are made), then
    /// until every batch made is acknowledged; <paramref name="abort"/> gives up at once.
    /// </summary>
    public async Task RunAsync(CancellationToken stopGenerating, CancellationToken abort)
    {
        var attempt = 0;
        var connected = false;

        // Reconnects back off as the SDK's do: jittered, 50 ms doubling to 1 s, counted from the last
        // connection that got as far as Resume. A stream that ended with batches unacknowledged
        // (false) is retried like a transport failure.
        var reconnect = new ResiliencePipelineBuilder<bool>()
            .AddRetry(new RetryStrategyOptions<bool>
            {
                ShouldHandle = new PredicateBuilder<bool>()
                    .HandleResult(false)
                    .Handle<Exception>(e => !abort.IsCancellationRequested && IsTransient(e)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(
                    Math.Min(1000, 50 << Math.Min(attempt++, 5)) * (0.5 + Random.Shared.NextDouble() / 2))),
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is { } e)
                    {
                        CountFailure(e);
                    }

                    return default;
                },
            })
            .Build();
        try
        {
            await reconnect.ExecuteAsync(
                async token =>
                {
                    if (connected)
                    {
                        Interlocked.Increment(ref _reconnects);
                    }

                    connected = true;
                    return await StreamOnceAsync(() => attempt = 0, stopGenerating, token);
                },
                abort);
        }
        catch (RpcException e) when (IsPermanent(e.StatusCode))
        {
            Fault = e.StatusCode + ": " + e.Status.Detail;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Aborted: give up at once, as before.
        }
    }

    private static bool IsTransient(Exception e) =>
        e is RpcException { StatusCode: var code } ? !IsPermanent(code) : e is IOException or HttpRequestException or OperationCanceledException or InvalidOperationException;

    private void CountFailure(Exception e)
    {
        var code = e is RpcException rpc ? rpc.StatusCode : StatusCode.Unavailable;
        lock (_failures)
        {
            _failures[code] = _failures.GetValueOrDefault(code) + 1;
        }
    }

    private static bool IsPermanent(StatusCode code) =>
        code is StatusCode.InvalidArgument or StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.FailedPrecondition;

    /// <summary>One connection; true when everything made was acknowledged and the stream closed cleanly.</summary>
    private async Task<bool> StreamOnceAsync(Action connectedOk, CancellationToken stopGenerating, CancellationToken abort)
    {
        var open = await client.OpenRunAsync(
            new OpenRunRequest { RunName = series.RunName, WriterId = series.WriterId },
            _headers, DateTime.UtcNow.AddSeconds(15), abort);
        using var callStop = CancellationTokenSource.CreateLinkedTokenSource(abort);
        using var call = client.Write(_headers, cancellationToken: callStop.Token);
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = open.RunId, WriterId = series.WriterId } }, abort);
        if (!await call.ResponseStream.MoveNext(abort) || call.ResponseStream.Current.KindCase != WriteResponse.KindOneofCase.Resume)
        {
            throw new IOException("the Write stream ended before Resume");
        }

        var resume = call.ResponseStream.Current.Resume.LastCommittedSeq;
        if (resume > LastGenerated)
        {
            // Another writer with this id wrote before: numbering from 1 again would be skipped as resends.
            Fault = $"the server committed seq {resume} of writer {series.WriterId} but this writer made only {LastGenerated}";
            return true;
        }

        Acknowledge(resume);
        connectedOk();
        var reader = ReadAcksAsync(call.ResponseStream, abort);
        try
        {
            var next = resume + 1;
            while (true)
            {
                if (next > LastGenerated)
                {
                    // Not a resend: make a new batch, unless time is up or the batches are all made.
                    if (maxBatches > 0 && next > maxBatches)
                    {
                        break;
                    }

                    await PaceAsync(stopGenerating);
                    if (stopGenerating.IsCancellationRequested)
                    {
                        break;
                    }

                    _firstSent[next % (ulong)_firstSent.Length] = Stopwatch.GetTimestamp();
                    Interlocked.Exchange(ref _lastGenerated, next);
                }

                await WaitForWindowAsync(next, reader);

                await call.RequestStream.WriteAsync(new WriteRequest { Batch = series.Batch(next) }, abort);
                next++;
            }

            await call.RequestStream.CompleteAsync();
            await reader;
            return LastAcked == LastGenerated;
        }
        finally
        {
            await callStop.CancelAsync();
            try
            {
                await reader;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or InvalidOperationException)
            {
                // Reported by the writer loop (the send side fails the same way).
            }
        }
    }

    private async Task WaitForWindowAsync(ulong next, Task reader)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _ackSignal).Task;
            if (next - LastAcked <= (ulong)window)
            {
                return;
            }

            if (await Task.WhenAny(signal, reader) == reader)
            {
                await reader; // throws the stream's failure
                throw new IOException("the Write stream ended with batches unacknowledged");
            }
        }
    }

    private async Task ReadAcksAsync(IAsyncStreamReader<WriteResponse> responses, CancellationToken abort)
    {
        while (await responses.MoveNext(abort))
        {
            if (responses.Current.KindCase == WriteResponse.KindOneofCase.Ack)
            {
                Acknowledge(responses.Current.Ack.Seq);
            }
        }
    }

    private void Acknowledge(ulong seq)
    {
        var previous = LastAcked;
        if (seq <= previous)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        for (var s = previous + 1; s <= seq; s++)
        {
            latency.Add(Stopwatch.GetElapsedTime(_firstSent[s % (ulong)_firstSent.Length], now).TotalMilliseconds);
        }

        Interlocked.Exchange(ref _lastAcked, seq);
        Interlocked.Exchange(ref _ackSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task PaceAsync(CancellationToken stopGenerating)
    {
        if (batchesPerSecond <= 0)
        {
            return;
        }

        var interval = (long)(Stopwatch.Frequency / batchesPerSecond);
        var now = Stopwatch.GetTimestamp();
        // Spread writers over the first interval instead of starting them in lockstep.
        _nextDue = _nextDue == 0 ? now + (long)(Random.Shared.NextDouble() * interval) : Math.Max(_nextDue + interval, now - interval);
        var wait = _nextDue - now;
        if (wait > 0)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), stopGenerating);
            }
            catch (OperationCanceledException)
            {
                // Time is up: the caller stops generating.
            }
        }
    }
}
