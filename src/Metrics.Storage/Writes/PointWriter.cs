using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

/// <summary>
/// The write path: commits validated batches exactly once, many batches (of many writers and
/// runs) in one transaction. Per batch, the writer's last_seq moves from seq-1 to seq in the same
/// transaction as its points, so a batch seen again (a resend, another ingest replica) is skipped
/// and reported <see cref="BatchOutcome.AlreadyCommitted"/>. Scalar points go in as compressed
/// chunks, one binary COPY per segment; a series whose steps may exist already has its overlapping
/// chunks merged with the new points (the later write of a step replaces the earlier). Tensor and
/// blob points go in by binary COPY sorted by (series_id, step), through a staging table and
/// INSERT … ON CONFLICT DO UPDATE when steps may exist. See docs/ingest.md and docs/storage.md.
/// </summary>
public sealed partial class PointWriter(NpgsqlDataSource dataSource)
{
    private const int MaxAttempts = 3;

    /// <summary>The largest chunked blob that is assembled (bigger ones are rejected).</summary>
    public long MaxBlobBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Commits one batch; returns Committed or AlreadyCommitted, and throws
    /// <see cref="WriteRejectedException"/> (naming the field) when the batch is refused.
    /// </summary>
    public async Task<BatchResult> WriteAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = (await CommitAsync([batch], cancellationToken)).Batches[0];
        return result.Outcome == BatchOutcome.Rejected
            ? throw new WriteRejectedException(result.Field ?? "batch", result.Message ?? "rejected")
            : result;
    }

    /// <summary>
    /// Commits <paramref name="batches"/> in one transaction (group commit). Batches of one writer
    /// are taken in seq order wherever they stand in the list (<see cref="SeqOrder"/>). A rejected batch (and any later batch of its writer) writes nothing;
    /// the others commit. Database errors propagate (the transaction is rolled back, nothing is
    /// written); <see cref="PostgresFaults.IsTransient"/> tells which are worth a retry.
    /// </summary>
    public async Task<CommitResult> CommitAsync(IReadOnlyList<WriteBatch> batches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        if (SeqOrder.Arrange(batches) is var (arranged, from))
        {
            var result = await CommitAsync(arranged, cancellationToken);
            return new CommitResult
            {
                Batches = SeqOrder.InCallerOrder(result.Batches, from),
                ScalarPoints = result.ScalarPoints,
                TensorPoints = result.TensorPoints,
                BlobPoints = result.BlobPoints,
                UsedSlowPath = result.UsedSlowPath,
            };
        }

        var forceSlowPath = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CommitOnceAsync(batches, forceSlowPath, cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && !forceSlowPath)
            {
                // A step that exists already (our series ranges said it could not): redo it all by upsert.
                forceSlowPath = true;
            }
            catch (SeriesRaceException) when (attempt < MaxAttempts)
            {
                // Another replica created one of our new series meanwhile; the retry sees it.
            }
        }
    }

    private async Task<CommitResult> CommitOnceAsync(IReadOnlyList<WriteBatch> batches, bool forceSlowPath, CancellationToken cancellationToken)
    {
        var state = new CommitState(batches);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await ClaimSeqsAsync(connection, state, cancellationToken);
        CheckShapes(state);
        if (state.LiveIndexes().Any())
        {
            await ResolveBlobsAsync(connection, state, cancellationToken);
            await ResolveSeriesAsync(connection, state, cancellationToken);
            await WriteSegmentsAsync(connection, state, forceSlowPath, cancellationToken);
            await FinishAsync(connection, state, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        long scalars = 0, tensors = 0, blobs = 0;
        var results = state.Results();
        for (var i = 0; i < batches.Count; i++)
        {
            if (results[i].Outcome == BatchOutcome.Committed)
            {
                scalars += batches[i].PointCount - batches[i].Tensors.Count - batches[i].Blobs.Count;
                tensors += batches[i].Tensors.Count;
                blobs += batches[i].Blobs.Count;
            }
        }

        return new CommitResult
        {
            Batches = results,
            ScalarPoints = scalars,
            TensorPoints = tensors,
            BlobPoints = blobs,
            UsedSlowPath = state.UsedSlowPath,
        };
    }

    /// <summary>Cheap structural checks, so callers of this API who skipped validation get a rejection, not a broken row.</summary>
    private static void CheckShapes(CommitState state)
    {
        foreach (var i in state.LiveIndexes().ToList())
        {
            var batch = state.Batches[i];
            for (var s = 0; s < batch.Scalars.Count; s++)
            {
                var series = batch.Scalars[s];
                if (series.WallTimes.Length != series.Steps.Length || series.Values.Length != series.Steps.Length)
                {
                    state.Reject(i, $"batch.scalars[{s}]", "steps, wall_times and values must have equal lengths");
                    break;
                }
            }
        }
    }
}
