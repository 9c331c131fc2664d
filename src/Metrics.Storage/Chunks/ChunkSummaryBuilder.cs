namespace Metrics.Storage.Chunks;

/// <summary>Accumulates a <see cref="ChunkSummary"/> from points added in step order.</summary>
internal struct ChunkSummaryBuilder
{
    private ScalarChunkPoint _first;
    private ScalarChunkPoint _last;
    private ScalarChunkPoint _min;
    private ScalarChunkPoint _max;
    private ScalarChunkPoint _firstNaN;
    private bool _hasValue;
    private bool _hasNaN;

    public int Count { get; private set; }

    public void Add(in ScalarChunkPoint point)
    {
        if (Count++ == 0)
        {
            _first = point;
        }

        _last = point;
        if (double.IsNaN(point.Value))
        {
            if (!_hasNaN)
            {
                (_firstNaN, _hasNaN) = (point, true);
            }
        }
        else if (!_hasValue)
        {
            (_min, _max, _hasValue) = (point, point, true);
        }
        else if (point.Value < _min.Value)
        {
            // Strict comparisons: on a tie (0.0 and -0.0 included) the earlier step stays, as in ScalarBucket.
            _min = point;
        }
        else if (point.Value > _max.Value)
        {
            _max = point;
        }
    }

    public readonly ChunkSummary Build() => Count == 0
        ? throw new InvalidOperationException("An empty chunk has no summary.")
        : new ChunkSummary(
            Count,
            _first,
            _last,
            _hasValue ? _min : null,
            _hasValue ? _max : null,
            _hasNaN ? _firstNaN : null);
}
