using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.V1;
using Metrics.Ingest.Auth;
using Metrics.Ingest.Telemetry;
using Metrics.Ingest.Validation;
using Metrics.Ingest.Writing;
using Metrics.Storage;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Grpc;

/// <summary>
/// One Write stream: header → Resume{last committed seq}; then a reader loop that validates each
/// batch and queues it for group commit (waiting when the queue is full, which is the
/// backpressure), and an ack loop that sends Ack{seq} once each batch is committed, in order.
/// A rejected batch, a storage outage or shutdown stops the reader; the acks of what was queued
/// before are still sent, then the stream ends with the status, so the writer resends from its
/// last acked seq.
/// </summary>
internal sealed class WriteStreamHandler(
    RunStore runs,
    BatchValidator validator,
    GroupCommitter committer,
    TokenRateLimiter rateLimiter,
    StoragePipeline storage,
    IngestMetrics metrics,
    IOptions<IngestOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<WriteStreamHandler> logger)
{
    private const int MaxAcksInFlight = 4096;

    public async Task RunAsync(IAsyncStreamReader<WriteRequest> requests, IServerStreamWriter<WriteResponse> responses, ServerCallContext context)
    {
        var identity = CallIdentity.Get(context);
        bool hasHeader;
        try
        {
            hasHeader = await requests.MoveNext(context.CancellationToken);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Statuses.InvalidException("header", "not a valid WriteRequest message: " + e.Message);
        }

        if (!hasHeader)
        {
            return;
        }

        if (requests.Current.KindCase != WriteRequest.KindOneofCase.Header)
        {
            throw Statuses.InvalidException("header", "the first request of a Write stream must be a WriteHeader");
        }

        var header = requests.Current.Header;
        if (header.RunId <= 0)
        {
            throw Statuses.InvalidException("header.run_id", "run_id must be the id OpenRun returned");
        }

        if (Names.WriterIdProblem(header.WriterId) is { } problem)
        {
            throw Statuses.InvalidException("header.writer_id", problem);
        }

        WriterOpenResult open;
        try
        {
            open = await storage.ExecuteAsync(
                ct => new ValueTask<WriterOpenResult>(runs.OpenWriterAsync(identity.ProjectId, header.RunId, header.WriterId, ct)),
                context.CancellationToken);
        }
        catch (Exception e) when (StoragePipeline.IsUnavailable(e))
        {
            throw new RpcException(Statuses.StorageUnavailable);
        }

        switch (open.Status)
        {
            case WriterOpenStatus.RunNotFound:
                throw new RpcException(new Status(StatusCode.NotFound, $"header.run_id: run {header.RunId} does not exist"));
            case WriterOpenStatus.OtherProject:
                throw new RpcException(new Status(StatusCode.PermissionDenied, $"header.run_id: run {header.RunId} is not in project '{identity.ProjectName}'"));
        }

        await responses.WriteAsync(new WriteResponse { Resume = new Resume { LastCommittedSeq = (ulong)open.LastCommittedSeq } }, context.CancellationToken);
        metrics.StreamOpened();
        try
        {
            var failure = await PumpAsync(requests, responses, context, identity, header, (ulong)open.LastCommittedSeq);
            IngestLog.StreamEnded(logger, header.RunId, header.WriterId, failure?.StatusCode.ToString() ?? "OK");
            if (failure is { } status)
            {
                throw new RpcException(status);
            }
        }
        finally
        {
            metrics.StreamClosed();
        }
    }

    private async Task<Status?> PumpAsync(
        IAsyncStreamReader<WriteRequest> requests,
        IServerStreamWriter<WriteResponse> responses,
        ServerCallContext context,
        TokenIdentity identity,
        WriteHeader header,
        ulong lastSeq)
    {
        var acks = Channel.CreateBounded<(ulong Seq, Task<BatchResult>? Commit)>(
            new BoundedChannelOptions(MaxAcksInFlight) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var failure = new StreamFailure();
        void Fail(Status status)
        {
            failure.TrySet(status);
            stop.Cancel();
        }

        var ackLoop = AckLoopAsync(acks.Reader, responses, Fail, context.CancellationToken);
        try
        {
            await ReadLoopAsync();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left, the server is stopping, or a commit failed: drain below.
        }
        catch (ChannelClosedException)
        {
            Fail(Statuses.ShuttingDown);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Bytes that are not a WriteRequest are the writer's fault: InvalidArgument, not an unhandled exception (Unknown).
            metrics.Rejected("message");
            Fail(Statuses.Invalid("batch", "not a valid WriteRequest message: " + e.Message));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException && context.CancellationToken.IsCancellationRequested)
        {
            // The connection dropped mid-message.
        }
        finally
        {
            // Whatever ended the reader (even a malformed message), the acks of what was queued go out.
            acks.Writer.TryComplete();
            await ackLoop;
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            failure.TrySet(Statuses.ShuttingDown);
        }

        return failure.Status;

        async Task ReadLoopAsync()
        {
            while (await requests.MoveNext(stop.Token))
            {
                if (requests.Current.KindCase != WriteRequest.KindOneofCase.Batch)
                {
                    Fail(Statuses.Invalid("header", "a Write stream has one WriteHeader, its first request"));
                    break;
                }

                var batch = requests.Current.Batch;
                if (batch.Seq != 0 && batch.Seq <= lastSeq)
                {
                    // Seen before (a resend): acked in order, after the batches queued before it.
                    await acks.Writer.WriteAsync((batch.Seq, null), stop.Token);
                    continue;
                }

                if (batch.Seq > lastSeq + 1)
                {
                    metrics.Rejected("batch.seq");
                    Fail(Statuses.Invalid("batch.seq", $"seq {batch.Seq} skips ahead: the next seq of this writer is {lastSeq + 1}"));
                    break;
                }

                WriteBatch converted;
                try
                {
                    converted = validator.Convert(batch, header.RunId, header.WriterId);
                }
                catch (BatchValidationException e)
                {
                    metrics.Rejected(e.Reason);
                    IngestLog.BatchRejected(logger, header.RunId, header.WriterId, batch.Seq, e.Field, e.Message);
                    Fail(Statuses.Invalid(e.Field, e.Message));
                    break;
                }

                if (!await rateLimiter.AcquireAsync(identity.TokenId, converted.PointCount, stop.Token))
                {
                    metrics.Rejected("rate_limit");
                    Fail(new Status(StatusCode.ResourceExhausted,
                        $"this token writes more than {options.Value.RateLimitPointsPerSecond} points/s (METRICS_INGEST_RATE_LIMIT_POINTS_PER_SECOND); slow down and resend from the last acked seq"));
                    break;
                }

                var committed = await committer.EnqueueAsync(converted, 2L * batch.CalculateSize(), stop.Token);
                await acks.Writer.WriteAsync((batch.Seq, committed), stop.Token);
                lastSeq = batch.Seq;
            }
        }
    }

    private async Task AckLoopAsync(ChannelReader<(ulong Seq, Task<BatchResult>? Commit)> acks, IServerStreamWriter<WriteResponse> responses, Action<Status> fail, CancellationToken clientGone)
    {
        var failed = false;
        var canWrite = true;
        await foreach (var (seq, commit) in acks.ReadAllAsync(CancellationToken.None))
        {
            if (failed)
            {
                continue;
            }

            BatchResult result;
            try
            {
                result = commit is null ? BatchResult.AlreadyCommitted : await commit;
            }
            catch (Exception e)
            {
                failed = true;
                fail(Statuses.FromCommitFailure(e));
                continue;
            }

            if (result.Outcome == BatchOutcome.Rejected)
            {
                failed = true;
                metrics.Rejected(result.Field ?? "batch");
                fail(Statuses.Rejected(result));
                continue;
            }

            if (!canWrite || clientGone.IsCancellationRequested)
            {
                continue;
            }

            try
            {
                await responses.WriteAsync(new WriteResponse { Ack = new Ack { Seq = seq } }, clientGone);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
            {
                canWrite = false;
            }
        }
    }
}
