using System.Diagnostics;
using System.Threading.Channels;
using Metrics.Ingest.Telemetry;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Writing;

/// <summary>
/// Group commit: streams hand their validated batches to a few background committers, each of
/// which takes whatever is queued (up to a bound) and commits it in one transaction through
/// <see cref="PointWriter"/>. A run always goes to the same committer, so one writer's batches
/// commit in seq order. Queues are bounded in bytes (<see cref="ByteBudget"/>): a slow database
/// makes streams wait instead of memory grow. On shutdown, what is queued is committed (and so
/// acked) before the process exits.
/// </summary>
internal sealed class GroupCommitter : IHostedService, IDisposable
{
    private const int MaxBatchesPerCommit = 4096;

    private readonly PointWriter _writer;
    private readonly StoragePipeline _pipeline;
    private readonly IngestOptions _options;
    private readonly IngestMetrics _metrics;
    private readonly ILogger<GroupCommitter> _logger;
    private readonly TimeProvider _time;
    private readonly ByteBudget _budget;
    private readonly Channel<PendingBatch>[] _queues;
    private readonly CancellationTokenSource _hardStop = new();
    private Task[] _loops = [];

    public GroupCommitter(PointWriter writer, StoragePipeline pipeline, IOptions<IngestOptions> options, IngestMetrics metrics, ILogger<GroupCommitter> logger, TimeProvider time)
    {
        _writer = writer;
        _pipeline = pipeline;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _budget = new ByteBudget(_options.QueueBytes);
        _queues = [.. Enumerable.Range(0, _options.Committers).Select(_ => Channel.CreateBounded<PendingBatch>(
            new BoundedChannelOptions(MaxBatchesPerCommit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait }))];
    }

    /// <summary>
    /// Queues a batch (waiting while the queue is full) and returns the task that completes when
    /// it is committed (or found already committed, or rejected). Throws
    /// <see cref="ChannelClosedException"/> once shutdown has begun.
    /// </summary>
    public async Task<Task<BatchResult>> EnqueueAsync(WriteBatch batch, long bytes, CancellationToken cancellationToken)
    {
        await _budget.AcquireAsync(bytes, cancellationToken);
        var pending = new PendingBatch(batch, bytes);
        try
        {
            await _queues[(int)((ulong)batch.RunId % (ulong)_queues.Length)].Writer.WriteAsync(pending, cancellationToken);
        }
        catch
        {
            _budget.Release(bytes);
            throw;
        }

        _metrics.Queued(bytes);
        return pending.Committed;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loops = [.. _queues.Select(q => Task.Run(() => CommitLoopAsync(q.Reader), CancellationToken.None))];
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        IngestLog.Draining(_logger, _queues.Sum(q => (long)q.Reader.Count));
        foreach (var queue in _queues)
        {
            queue.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout is over: abandon what is left (it was never acked).
            await _hardStop.CancelAsync();
        }
    }

    public void Dispose() => _hardStop.Dispose();

    private async Task CommitLoopAsync(ChannelReader<PendingBatch> reader)
    {
        var group = new List<PendingBatch>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            group.Clear();
            long points = 0;
            while (group.Count < MaxBatchesPerCommit && points < _options.MaxPointsPerCommit && reader.TryRead(out var pending))
            {
                group.Add(pending);
                points += pending.Batch.PointCount;
            }

            try
            {
                await CommitGroupAsync(group);
            }
            finally
            {
                foreach (var pending in group)
                {
                    _budget.Release(pending.Bytes);
                    _metrics.Dequeued(pending.Bytes);
                }
            }
        }
    }

    private async Task CommitGroupAsync(List<PendingBatch> group)
    {
        var started = _time.GetTimestamp();
        using var activity = IngestMetrics.ActivitySource.StartActivity("ingest.commit");
        activity?.SetTag("metrics.batches", group.Count);
        var batches = group.Select(p => p.Batch).ToList();
        try
        {
            var result = await CommitAsync(batches);
            Complete(group, result);
        }
        catch (Exception e) when (group.Count > 1 && !StoragePipeline.IsUnavailable(e) && e is not OperationCanceledException)
        {
            // Something in one batch breaks the whole transaction: commit them one by one so only it fails.
            foreach (var pending in group)
            {
                try
                {
                    Complete([pending], await CommitAsync([pending.Batch]));
                }
                catch (Exception single)
                {
                    Fail([pending], single);
                }
            }
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            Fail(group, e);
        }
        finally
        {
            _metrics.CommitFinished(_time.GetElapsedTime(started), group.Count);
        }
    }

    private Task<CommitResult> CommitAsync(IReadOnlyList<WriteBatch> batches) =>
        _pipeline.ExecuteAsync(ct => new ValueTask<CommitResult>(_writer.CommitAsync(batches, ct)), _hardStop.Token).AsTask();

    private void Complete(List<PendingBatch> group, CommitResult result)
    {
        var committed = 0;
        var duplicates = 0;
        for (var i = 0; i < group.Count; i++)
        {
            var outcome = result.Batches[i];
            switch (outcome.Outcome)
            {
                case BatchOutcome.Committed:
                    committed++;
                    break;
                case BatchOutcome.AlreadyCommitted:
                    duplicates++;
                    break;
                default:
                    _metrics.Rejected("storage");
                    break;
            }

            group[i].Complete(outcome);
        }

        _metrics.Committed(result.ScalarPoints, result.TensorPoints, result.BlobPoints, committed, duplicates);
    }

    private void Fail(List<PendingBatch> group, Exception exception)
    {
        IngestLog.CommitFailed(_logger, exception, group.Count, StoragePipeline.IsUnavailable(exception) ? "Unavailable" : "Internal");
        foreach (var pending in group)
        {
            pending.Fail(exception);
        }
    }
}
