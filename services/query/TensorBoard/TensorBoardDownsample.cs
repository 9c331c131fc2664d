using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Scalars;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// Downsample.num_points as TensorBoard's data server reads it (required, non-negative, zero means
/// zero) and our deterministic, shape-keeping choice of points: a series that fits comes back
/// whole; a longer one keeps the REST downsampler's points (scalars: min/max buckets; tensors and
/// blobs: evenly spaced steps), always including its last point (docs/tensorboard.md).
/// </summary>
internal static class TensorBoardDownsample
{
    public static long Parse(Downsample? downsample)
    {
        if (downsample is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "downsample is required"));
        }

        return downsample.NumPoints >= 0
            ? downsample.NumPoints
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"downsample.num_points must be non-negative; got {downsample.NumPoints}"));
    }

    /// <summary>max_points for the REST scalar downsampler: its buckets need at least a few points, <see cref="Keep"/> trims below.</summary>
    public static int ScalarMaxPoints(long numPoints) => (int)Math.Clamp(numPoints, ScalarQuery.MinMaxPoints, int.MaxValue);

    /// <summary>max_points for the step sampler, which keeps the first and the last step (so at least two).</summary>
    public static int StepMaxPoints(long numPoints) => (int)Math.Clamp(numPoints, 2, int.MaxValue);

    /// <summary>
    /// Indices of <paramref name="count"/> ordered points to keep so at most <paramref name="numPoints"/>
    /// remain: all when they fit, none for zero, the last for one, else evenly spaced ranks with the first and last.
    /// </summary>
    public static int[] Keep(int count, long numPoints)
    {
        if (count <= numPoints)
        {
            return [.. Enumerable.Range(0, count)];
        }

        if (numPoints == 0)
        {
            return [];
        }

        if (numPoints == 1)
        {
            return [count - 1];
        }

        var kept = new int[numPoints];
        for (var i = 0; i < kept.Length; i++)
        {
            kept[i] = (int)Math.Round((double)i * (count - 1) / (numPoints - 1), MidpointRounding.AwayFromZero);
        }

        return kept;
    }
}
