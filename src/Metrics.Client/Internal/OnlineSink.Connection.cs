using Grpc.Core;
using Metrics.Contracts.V1;
using Polly;
using Polly.Retry;

namespace Metrics.Client.Internal;

internal sealed partial class OnlineSink
{
    private const int MaxInFlightBatches = 64;
    private static readonly TimeSpan UnaryDeadline = TimeSpan.FromSeconds(30);

    private readonly Ingest.IngestClient _client;
    private readonly Dictionary<string, HParamValue> _hparams = new(StringComparer.Ordinal);
    private readonly List<string> _hparamMetrics = [];
    private int _hparamsVersion;
    private int _hparamsSent = -1;
    private long? _runId;
    private long _batchesSent;
    private long _batchesResent;
    private long _reconnects;
    private ulong _highestSent;
    private volatile bool _connected;
    private long _connectionFailures;
    private volatile string? _lastConnectionError;

    /// <summary>The token's project as the server reported it (empty before the first OpenRun or from an older server).</summary>
    public string? Project { get; private set; }
    private bool _mayRenumber;

    public override void SetHParams(IReadOnlyDictionary<string, HParamValue> hparams, IReadOnlyList<string> metrics)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            foreach (var (name, value) in hparams)
            {
                _hparams[name] = value;
            }

            foreach (var metric in metrics)
            {
                if (!_hparamMetrics.Contains(metric))
                {
                    _hparamMetrics.Add(metric);
                }
            }

            _hparamsVersion++;
        }

        _pulse.Fire();
    }

    private static bool IsPermanent(StatusCode code) =>
        code is StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.InvalidArgument
            or StatusCode.Unimplemented or StatusCode.FailedPrecondition or StatusCode.OutOfRange;

    private async Task ConnectionLoopAsync()
    {
        var token = _stop.Token;
        var attempt = 0; // failures since the stream last connected: the back-off starts over once it does
        var reconnect = new ResiliencePipelineBuilder { TimeProvider = _options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => IsTransient(e, token)),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = _ => new ValueTask<TimeSpan?>(Backoff(attempt++)),
                OnRetry = args =>
                {
                    Disconnected(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();
        try
        {
            await reconnect.ExecuteAsync(cancellationToken => new ValueTask(StreamAsync(() => attempt = 0, cancellationToken)), token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (IsPermanent(e.StatusCode))
        {
            SetFault(e.Status.Detail is { Length: > 0 } detail ? e.StatusCode + ": " + detail : e.StatusCode.ToString(), e);
        }
        catch (SummaryWriterException e)
        {
            SetFault(e.Message, e);
        }
        catch (Exception e) when (IsTransient(e, token))
        {
            // Stopping: the retry hands back the failure instead of waiting; it still counts as a disconnect.
            Disconnected(e, Backoff(attempt));
        }
    }

    // Worth reconnecting for: a lost or refused connection, not a refusal of this writer, nor our own stop.
    private static bool IsTransient(Exception exception, CancellationToken stopping) => exception switch
    {
        RpcException e when e.StatusCode == StatusCode.Cancelled && stopping.IsCancellationRequested => false,
        RpcException e when IsPermanent(e.StatusCode) => false,
        RpcException or HttpRequestException or IOException or InvalidOperationException or ObjectDisposedException => true,
        _ => false,
    };

    private void Disconnected(Exception exception, TimeSpan delay)
    {
        if (_connected)
        {
            Interlocked.Increment(ref _reconnects);
        }

        _connected = false;
        _store.SpillAll();
        var reason = ConnectionErrors.Describe(exception);
        _lastConnectionError = reason + " (" + _options.Server!.OriginalString + ")";
        Interlocked.Increment(ref _connectionFailures);
        ClientLog.Disconnected(_logger, _options.Server!.OriginalString, _runName, _writerId, (long)delay.TotalMilliseconds, reason);
        _pulse.Fire();
    }

    private async Task StreamAsync(Action onConnected, CancellationToken cancellationToken)
    {
        var headers = new Metadata();
        if (_options.Token is { Length: > 0 } bearer)
        {
            headers.Add("authorization", "Bearer " + bearer);
        }

        await OpenRunAsync(headers, cancellationToken).ConfigureAwait(false);
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = _client.Write(headers, cancellationToken: callCancellation.Token);
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = _runId!.Value, WriterId = _writerId } }, cancellationToken).ConfigureAwait(false);
        if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false) || call.ResponseStream.Current.KindCase != WriteResponse.KindOneofCase.Resume)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The server ended the write stream before its Resume."));
        }

        var committed = call.ResponseStream.Current.Resume.LastCommittedSeq;
        if (committed > _store.LastSeq)
        {
            throw new SummaryWriterException($"Writer id '{_writerId}' of run '{_runName}' has {committed} batches committed on the server but this writer numbered only {_store.LastSeq}: another process uses the same writer id.");
        }

        _store.Acknowledge(committed);
        _store.StopSpilling();
        _connected = true;
        onConnected();
        ClientLog.Connected(_logger, _runName, _writerId, committed);
        _pulse.Fire();

        var reader = ReadAcknowledgementsAsync(call.ResponseStream, cancellationToken);
        var next = committed + 1;
        while (true)
        {
            var changed = _pulse.Next;
            if (reader.IsCompleted)
            {
                await reader.ConfigureAwait(false);
                throw new RpcException(new Status(StatusCode.Unavailable, "The server ended the write stream."));
            }

            if (_hparamsSent != Volatile.Read(ref _hparamsVersion))
            {
                await OpenRunAsync(headers, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var acknowledged = _store.Acknowledged;
            var last = _store.LastSeq;
            if (_closing && acknowledged >= last && Interlocked.Read(ref _numberedCount) >= _sealedCountAtClose)
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                await reader.WaitAsync(TimeSpan.FromSeconds(5), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                return;
            }

            next = Math.Max(next, acknowledged + 1);
            if (next <= last && next - acknowledged <= MaxInFlightBatches)
            {
                if (_store.Get(next) is { } batch)
                {
                    await call.RequestStream.WriteAsync(new WriteRequest { Batch = batch }, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _batchesSent);
                    if (next <= _highestSent)
                    {
                        Interlocked.Increment(ref _batchesResent);
                    }

                    _highestSent = Math.Max(_highestSent, next);
                }

                next++;
                continue;
            }

            await Task.WhenAny(changed, reader).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task OpenRunAsync(Metadata headers, CancellationToken cancellationToken)
    {
        OpenRunRequest request;
        int version;
        lock (_lock)
        {
            version = _hparamsVersion;
            if (_runId is not null && _hparamsSent == version)
            {
                return;
            }

            request = new OpenRunRequest { RunName = _runName, WriterId = _writerId, ExpectedProject = _options.Project ?? string.Empty };
            request.Hparams.Add(_hparams);
            request.HparamMetrics.Add(_hparamMetrics);
        }

        if (_options.RestartAtStep is { } restart)
        {
            request.RestartAtStep = restart;
        }

        var deadline = _options.TimeProvider.GetUtcNow().UtcDateTime + UnaryDeadline;
        var response = await _client.OpenRunAsync(request, headers, deadline, cancellationToken).ConfigureAwait(false);
        if (_options.Project is { Length: > 0 } expected && response.Project is { Length: > 0 } actual && actual != expected)
        {
            throw new SummaryWriterException($"PermissionDenied: the token belongs to project '{actual}', not '{expected}'.");
        }

        Project = response.Project;
        _runId = response.RunId;
        _hparamsSent = version;
        if (_mayRenumber)
        {
            _mayRenumber = false;
            if (response.LastCommittedSeq > 0 && _highestSent == 0)
            {
                _store.Renumber(response.LastCommittedSeq);
            }
        }
    }

    private async Task ReadAcknowledgementsAsync(IAsyncStreamReader<WriteResponse> responses, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            if (responses.Current.KindCase == WriteResponse.KindOneofCase.Ack)
            {
                _store.Acknowledge(responses.Current.Ack.Seq);
                _pulse.Fire();
            }
        }
    }

    private void SetFault(string reason, Exception cause)
    {
        ClientLog.Refused(_logger, _runName, _writerId, reason);
        _fault = new SummaryWriterException($"Metrics ingest refused run '{_runName}' (writer '{_writerId}'): {reason}", cause);
        _connected = false;
        _store.SpillAll();
        _pulse.Fire();
    }

    private static TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(100.0 * Math.Pow(2, Math.Min(attempt, 10)), 5000.0);
        return TimeSpan.FromMilliseconds(ms * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }
}
