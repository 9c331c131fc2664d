namespace Metrics.Query.Sampling;

/// <summary>Which points table a sampled series lives in.</summary>
internal enum PointTable
{
    Tensor,
    Blob,
}
