namespace Metrics.Storage.Writes.Internal;

/// <summary>Orders rows by (series_id, step, arrival), the primary key order of the point tables.</summary>
internal readonly struct RowKeyComparer<TRow> : IComparer<TRow>
    where TRow : IPointRow
{
    public int Compare(TRow? x, TRow? y)
    {
        var c = x!.SeriesId.CompareTo(y!.SeriesId);
        if (c != 0)
        {
            return c;
        }

        c = x.Step.CompareTo(y.Step);
        return c != 0 ? c : x.Order.CompareTo(y.Order);
    }
}
