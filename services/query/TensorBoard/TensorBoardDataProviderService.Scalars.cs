using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Scalars;
using Metrics.Query.Tags;

namespace Metrics.Query.TensorBoard;

/// <summary>ListScalars and ReadScalars: the REST scalar read path (block summaries for long series), values as float32.</summary>
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
        var read = numPoints == 0 || series.Count == 0 ? [] : await scalars.ReadManyAsync([.. series.Select(s => s.Series)], query, context.CancellationToken);
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
}
