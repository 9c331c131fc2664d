namespace Metrics.Storage.Writes.Internal;

/// <summary>What one commit attempt knows about its batches: which are new, duplicate or rejected, and the series they use.</summary>
internal sealed class CommitState(IReadOnlyList<WriteBatch> batches)
{
    private readonly BatchResult?[] _results = new BatchResult?[batches.Count];
    private readonly int[] _duplicateOf = Enumerable.Repeat(-1, batches.Count).ToArray();

    public IReadOnlyList<WriteBatch> Batches { get; } = batches;

    public Dictionary<SeriesKey, SeriesState> Series { get; } = [];

    public Dictionary<long, SeriesState> SeriesById { get; } = [];

    /// <summary>Blob contents to store (inline, or assembled from chunks), by SHA-256.</summary>
    public Dictionary<byte[], (long Size, byte[] Content)> BlobContents { get; } = new(ByteArrayComparer.Instance);

    public HashSet<long> RewrittenRuns { get; } = [];

    public bool UsedSlowPath { get; set; }

    /// <summary>True while batch <paramref name="index"/> is new and not rejected.</summary>
    public bool IsLive(int index) => _results[index] is null && _duplicateOf[index] < 0;

    public IEnumerable<int> LiveIndexes()
    {
        for (var i = 0; i < Batches.Count; i++)
        {
            if (IsLive(i))
            {
                yield return i;
            }
        }
    }

    public void MarkAlreadyCommitted(int index) => _results[index] = BatchResult.AlreadyCommitted;

    /// <summary>The same seq of the same writer twice in one commit (a resend while the first was queued).</summary>
    public void MarkDuplicateOf(int index, int original) => _duplicateOf[index] = original;

    /// <summary>Rejects a batch and every later batch of the same writer in this commit (they would leave a gap).</summary>
    public void Reject(int index, string field, string message)
    {
        var batch = Batches[index];
        _results[index] = BatchResult.Reject(field, message);
        for (var i = index + 1; i < Batches.Count; i++)
        {
            var later = Batches[i];
            if (later.RunId == batch.RunId && later.WriterId == batch.WriterId && _results[i] is null && _duplicateOf[i] < 0)
            {
                _results[i] = BatchResult.Reject("batch.seq", $"batch seq {batch.Seq} of this writer was rejected, so seq {later.Seq} cannot follow it");
            }
        }
    }

    public BatchResult[] Results()
    {
        var results = new BatchResult[Batches.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = _results[i] ?? BatchResult.Committed;
        }

        for (var i = 0; i < results.Length; i++)
        {
            if (_duplicateOf[i] >= 0)
            {
                var original = results[_duplicateOf[i]];
                results[i] = original.Outcome == BatchOutcome.Rejected ? original : BatchResult.AlreadyCommitted;
            }
        }

        return results;
    }
}
