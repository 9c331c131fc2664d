namespace Metrics.Query.Scalars;

/// <summary>The x axis downsampling buckets divide evenly: steps or wall time.</summary>
internal enum ScalarAxis
{
    Step,
    WallTime,
}
