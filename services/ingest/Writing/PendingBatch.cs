using Metrics.Storage.Writes;

namespace Metrics.Ingest.Writing;

/// <summary>A validated batch waiting for its group commit; its stream awaits <see cref="Committed"/> before acking.</summary>
internal sealed class PendingBatch(WriteBatch batch, long bytes)
{
    private readonly TaskCompletionSource<BatchResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WriteBatch Batch { get; } = batch;

    public long Bytes { get; } = bytes;

    public Task<BatchResult> Committed => _completion.Task;

    public void Complete(BatchResult result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
