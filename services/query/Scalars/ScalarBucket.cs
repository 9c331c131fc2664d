using Metrics.Storage.Chunks;

namespace Metrics.Query.Scalars;

/// <summary>
/// What downsampling keeps of a run of points: the first and last (by step), the minimum and
/// maximum among non-NaN values (±Infinity included: a chart shows them at its edge) and the
/// first NaN, so a divergence stays visible. Ties go to the earlier step. Buckets merge, so a
/// block summary and a point are the same kind of thing.
/// </summary>
internal struct ScalarBucket
{
    public long Count;
    public ScalarChunkPoint First;
    public ScalarChunkPoint Last;
    public ScalarChunkPoint Min;
    public ScalarChunkPoint Max;
    public ScalarChunkPoint FirstNaN;
    public bool HasValue;
    public bool HasNaN;

    /// <summary>The bucket of a stored chunk's points, from its persisted summary (same first, last, min, max and first NaN rules).</summary>
    public static ScalarBucket From(in ChunkSummary summary) => new()
    {
        Count = summary.Count,
        First = summary.First,
        Last = summary.Last,
        Min = summary.Min.GetValueOrDefault(),
        Max = summary.Max.GetValueOrDefault(),
        FirstNaN = summary.FirstNaN.GetValueOrDefault(),
        HasValue = summary.Min.HasValue,
        HasNaN = summary.FirstNaN.HasValue,
    };

    /// <summary>Adds a point; points added one by one must come in step order.</summary>
    public void Add(in ScalarChunkPoint point)
    {
        if (Count++ == 0)
        {
            First = point;
        }

        Last = point;
        if (double.IsNaN(point.Value))
        {
            if (!HasNaN)
            {
                FirstNaN = point;
                HasNaN = true;
            }
        }
        else if (!HasValue)
        {
            Min = Max = point;
            HasValue = true;
        }
        else if (point.Value < Min.Value)
        {
            Min = point;
        }
        else if (point.Value > Max.Value)
        {
            Max = point;
        }
    }

    /// <summary>Merges another bucket (in any step order).</summary>
    public void Merge(in ScalarBucket other)
    {
        if (other.Count == 0)
        {
            return;
        }

        if (Count == 0)
        {
            this = other;
            return;
        }

        Count += other.Count;
        if (other.First.Step < First.Step)
        {
            First = other.First;
        }

        if (other.Last.Step > Last.Step)
        {
            Last = other.Last;
        }

        if (other.HasNaN && (!HasNaN || other.FirstNaN.Step < FirstNaN.Step))
        {
            FirstNaN = other.FirstNaN;
            HasNaN = true;
        }

        if (other.HasValue)
        {
            if (!HasValue)
            {
                (Min, Max, HasValue) = (other.Min, other.Max, true);
                return;
            }

            if (other.Min.Value < Min.Value || (other.Min.Value == Min.Value && other.Min.Step < Min.Step))
            {
                Min = other.Min;
            }

            if (other.Max.Value > Max.Value || (other.Max.Value == Max.Value && other.Max.Step < Max.Step))
            {
                Max = other.Max;
            }
        }
    }

    /// <summary>Appends the kept points, distinct and in step order (at most five).</summary>
    public readonly void AppendTo(List<ScalarChunkPoint> output)
    {
        if (Count == 0)
        {
            return;
        }

        Span<ScalarChunkPoint> kept = stackalloc ScalarChunkPoint[5];
        var n = 0;
        kept[n++] = First;
        kept[n++] = Last;
        if (HasValue)
        {
            kept[n++] = Min;
            kept[n++] = Max;
        }

        if (HasNaN)
        {
            kept[n++] = FirstNaN;
        }

        kept = kept[..n];
        kept.Sort(static (a, b) => a.Step.CompareTo(b.Step));
        for (var i = 0; i < kept.Length; i++)
        {
            if (i == 0 || kept[i].Step != kept[i - 1].Step)
            {
                output.Add(kept[i]);
            }
        }
    }
}
