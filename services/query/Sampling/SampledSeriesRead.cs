using System.Security.Claims;
using Metrics.Query.Auth;
using Metrics.Query.Runs;
using Metrics.Query.Tags;
using Npgsql;

namespace Metrics.Query.Sampling;

/// <summary>
/// What a tensor or blob read starts with, from its <see cref="SampledSeriesArguments"/>: the step range and
/// max_points checked (400), the run's series of that tag found in the caller's project (404 for
/// an unknown or foreign run or tag, 400 for a tag of another data class), and the steps to return.
/// </summary>
internal sealed record SampledSeriesRead(SeriesRef Series, long[] Steps, long PointsInRange)
{
    public static async Task<SampledSeriesRead> StartAsync(NpgsqlDataSource dataSource, ClaimsPrincipal user, PointTable table, SampledSeriesArguments arguments, CancellationToken cancellationToken)
    {
        var query = SampledQuery.Parse(arguments.FromStep, arguments.ToStep, arguments.MaxPoints);
        var dataClass = table == PointTable.Tensor ? DataClasses.Tensor : DataClasses.BlobSequence;
        var series = await SeriesLookup.FindAsync(dataSource, Caller.From(user), arguments.RunId, arguments.Tag, dataClass, cancellationToken);
        var (steps, inRange) = await StepSampler.SelectAsync(dataSource, table, series.SeriesId, query.FromStep, query.ToStep, query.MaxPoints, cancellationToken);
        return new SampledSeriesRead(series, steps, inRange);
    }
}
