namespace Metrics.Export;

/// <summary>
/// A k-way merge of a run's series by step. Each series is read a page at a time, so memory stays
/// bounded whatever the run's size; <see cref="Positions"/> is the export position to record.
/// </summary>
public sealed class RunPointMerger
{
    private readonly RunPointSource _source;
    private readonly List<SeriesCursor> _cursors;
    private readonly PriorityQueue<SeriesCursor, (long Step, long SeriesId)> _queue = new();

    internal RunPointMerger(RunPointSource source, List<SeriesCursor> cursors)
    {
        _source = source;
        _cursors = cursors;
    }

    /// <summary>The point returned by the last successful <see cref="MoveNextAsync"/>.</summary>
    public ExportPoint Current { get; private set; }

    /// <summary>Per series, the last step handed out (series never read from are absent unless given at the start).</summary>
    public IReadOnlyDictionary<long, long> Positions =>
        _cursors.Where(c => c.After != long.MinValue).ToDictionary(c => c.Series.SeriesId, c => c.After);

    /// <summary>The step of the next point without taking it, or null at the end.</summary>
    public long? PeekStep => _queue.TryPeek(out _, out var key) ? key.Step : null;

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        if (!_queue.TryDequeue(out var cursor, out _))
        {
            return false;
        }

        Current = cursor.Buffer[cursor.Position++];
        cursor.After = Current.Step;
        if (cursor.Position == cursor.Buffer.Count)
        {
            if (cursor.Exhausted)
            {
                return true;
            }

            // Refill before the next comparison, so the merge never runs ahead of this series.
            await _source.FillAsync(cursor, cancellationToken);
        }

        Enqueue(cursor);
        return true;
    }

    internal void Enqueue(SeriesCursor cursor)
    {
        if (cursor.Position < cursor.Buffer.Count)
        {
            _queue.Enqueue(cursor, (cursor.Buffer[cursor.Position].Step, cursor.Series.SeriesId));
        }
    }
}
