using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Scalars;
using Metrics.Query.Tags;
using Metrics.Storage.Chunks;

namespace Metrics.Query.TensorBoard;

/// <summary>ListScalars and ReadScalars: the REST scalar read path (block summaries for long series), values as float32; num_points 1 by seeks.</summary>
internal sealed partial class TensorBoardDataProviderService
{
    public override async Task<ListScalarsResponse> ListScalars(ListScalarsRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.Scalar, listing: true, context.CancellationToken);
        var response = new ListScalarsResponse();
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ListScalarsResponse.Types.RunEntry { RunName = run };
            entry.Tags.AddRange(runSeries.Select(s => new ListScalarsResponse.Types.TagEntry
            {
                TagName = s.Series.Tag,
                Metadata = new ScalarMetadata { MaxStep = s.MaxStep, MaxWallTime = s.MaxWallTime, SummaryMetadata = s.Metadata },
            }));
            response.Runs.Add(entry);
        }

        return response;
    }

    public override async Task<ReadScalarsResponse> ReadScalars(ReadScalarsRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var numPoints = TensorBoardDownsample.Parse(request.Downsample);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.Scalar, listing: false, context.CancellationToken);
        var query = new ScalarQuery(long.MinValue, long.MaxValue, TensorBoardDownsample.ScalarMaxPoints(numPoints), AllPoints: false, ScalarAxis.Step, Csv: false);
        var read = numPoints == 0 || series.Count == 0 ? []
            : numPoints == 1 ? await ReadLastPointsAsync(series, context.CancellationToken)
            : await scalars.ReadManyAsync([.. series.Select(s => s.Series)], query, context.CancellationToken);
        var response = new ReadScalarsResponse();
        var index = 0;
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ReadScalarsResponse.Types.RunEntry { RunName = run };
            foreach (var s in runSeries)
            {
                var data = new ScalarData();
                if (numPoints > 0)
                {
                    var points = read[index];
                    foreach (var i in TensorBoardDownsample.Keep(points.Steps.Length, numPoints))
                    {
                        data.Step.Add(points.Steps[i]);
                        data.WallTime.Add(points.WallTimes[i]);
                        data.Value.Add((float)points.Values[i]);
                    }
                }

                entry.Tags.Add(new ReadScalarsResponse.Types.TagEntry { TagName = s.Series.Tag, Data = data });
                index++;
            }

            response.Runs.Add(entry);
        }

        return response;
    }

    /// <summary>
    /// num_points 1 is TensorBoard's read_last_scalars (hparams, the time-series cards' latest
    /// values), often over every series of an experiment: one index seek per series, not every point.
    /// </summary>
    private async Task<ScalarSeries[]> ReadLastPointsAsync(List<TensorBoardSeries> series, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.id, x.step, x.wall_time, x.value
            FROM unnest($1::bigint[]) AS s(id)
            CROSS JOIN LATERAL (SELECT p.last_step AS step, p.last_wall_time AS wall_time, p.last_value AS value FROM all_scalar_chunks p WHERE p.series_id = s.id ORDER BY p.first_step DESC LIMIT 1) x
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long[]> { TypedValue = [.. series.Select(s => s.Series.SeriesId)] });
        var last = new Dictionary<long, ScalarChunkPoint>(series.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                last[reader.GetInt64(0)] = new ScalarChunkPoint(reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3));
            }
        }

        return [.. series.Select(s => ScalarSeries.From(s.Series.RunId, s.Series.Tag, last.TryGetValue(s.Series.SeriesId, out var point) ? [point] : [], s.Series.PointCount))];
    }
}
