using Grpc.Core;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Sampling;
using Metrics.Query.Tags;
using Npgsql;

namespace Metrics.Query.TensorBoard;

/// <summary>ListTensors and ReadTensors: histograms, text, hparams, pr curves as the stored TensorProtos, steps chosen by the REST step sampler.</summary>
internal sealed partial class TensorBoardDataProviderService
{
    public override async Task<ListTensorsResponse> ListTensors(ListTensorsRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.Tensor, listing: true, context.CancellationToken);
        var response = new ListTensorsResponse();
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ListTensorsResponse.Types.RunEntry { RunName = run };
            entry.Tags.AddRange(runSeries.Select(s => new ListTensorsResponse.Types.TagEntry
            {
                TagName = s.Series.Tag,
                Metadata = new TensorMetadata { MaxStep = s.MaxStep, MaxWallTime = s.MaxWallTime, SummaryMetadata = s.Metadata },
            }));
            response.Runs.Add(entry);
        }

        return response;
    }

    public override async Task<ReadTensorsResponse> ReadTensors(ReadTensorsRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var numPoints = TensorBoardDownsample.Parse(request.Downsample);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.Tensor, listing: false, context.CancellationToken);
        var response = new ReadTensorsResponse();
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ReadTensorsResponse.Types.RunEntry { RunName = run };
            foreach (var s in runSeries)
            {
                entry.Tags.Add(new ReadTensorsResponse.Types.TagEntry { TagName = s.Series.Tag, Data = await ReadTensorDataAsync(s.Series.SeriesId, numPoints, context.CancellationToken) });
            }

            response.Runs.Add(entry);
        }

        return response;
    }

    private async Task<TensorData> ReadTensorDataAsync(long seriesId, long numPoints, CancellationToken cancellationToken)
    {
        var data = new TensorData();
        var steps = await SampleStepsAsync(PointTable.Tensor, seriesId, numPoints, cancellationToken);
        if (steps.Length == 0)
        {
            return data;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT step, wall_time, tensor FROM tensor_points WHERE series_id = $1 AND step = ANY($2) ORDER BY step");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seriesId });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = steps });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            data.Step.Add(reader.GetInt64(0));
            data.WallTime.Add(reader.GetDouble(1));
            data.Value.Add(TensorProto.Parser.ParseFrom(reader.GetFieldValue<byte[]>(2)));
        }

        return data;
    }

    /// <summary>The steps to return of a tensor or blob series: the REST step sampler's choice, trimmed to the last step for num_points 1.</summary>
    private async Task<long[]> SampleStepsAsync(PointTable table, long seriesId, long numPoints, CancellationToken cancellationToken)
    {
        if (numPoints == 0)
        {
            return [];
        }

        var (steps, _) = await StepSampler.SelectAsync(dataSource, table, seriesId, long.MinValue, long.MaxValue, TensorBoardDownsample.StepMaxPoints(numPoints), cancellationToken);
        return [.. TensorBoardDownsample.Keep(steps.Length, numPoints).Select(i => steps[i])];
    }
}
