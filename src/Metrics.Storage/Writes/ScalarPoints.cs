namespace Metrics.Storage.Writes;

/// <summary>Columnar scalar points of one tag; the three arrays have equal lengths.</summary>
public sealed record ScalarPoints(string Tag, long[] Steps, double[] WallTimes, double[] Values)
{
    public int Count => Steps.Length;
}
