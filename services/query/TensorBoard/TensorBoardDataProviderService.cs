using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// tensorboard.data.TensorBoardDataProvider over PostgreSQL, read-only: experiments, runs and
/// plugins here; scalars, tensors and blobs in the partial files beside it. Errors as TensorBoard's
/// data server gives them: INVALID_ARGUMENT for a bad filter or downsample, NOT_FOUND for an
/// unknown experiment or blob key.
/// </summary>
internal sealed partial class TensorBoardDataProviderService(
    TensorBoardCatalog catalog,
    Npgsql.NpgsqlDataSource dataSource,
    Scalars.ScalarReader scalars) : TensorBoardDataProvider.TensorBoardDataProviderBase
{
    public override async Task<GetExperimentResponse> GetExperiment(GetExperimentRequest request, ServerCallContext context)
    {
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        if (!experiment.PrefixesRuns)
        {
            var project = experiment.Projects[0];
            return new GetExperimentResponse
            {
                DataLocation = "metrics project " + project.Name,
                Name = project.Name,
                CreationTime = Timestamp.FromDateTime(DateTime.SpecifyKind(project.CreatedAt, DateTimeKind.Utc)),
            };
        }

        return new GetExperimentResponse { DataLocation = "metrics projects: " + string.Join(", ", experiment.Projects.Select(p => p.Name)) };
    }

    public override async Task<ListPluginsResponse> ListPlugins(ListPluginsRequest request, ServerCallContext context)
    {
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var response = new ListPluginsResponse();
        response.Plugins.AddRange((await catalog.PluginsAsync(experiment, context.CancellationToken)).Select(name => new Plugin { Name = name }));
        return response;
    }

    public override async Task<ListRunsResponse> ListRuns(ListRunsRequest request, ServerCallContext context)
    {
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var response = new ListRunsResponse();
        response.Runs.AddRange((await catalog.RunsAsync(experiment, context.CancellationToken)).Select(run => new Run { Name = run.Name, StartTime = run.StartTime }));
        return response;
    }

    /// <summary>Consecutive series of the same run (the catalog returns them by run).</summary>
    private static IEnumerable<(string Run, List<TensorBoardSeries> Series)> ByRun(List<TensorBoardSeries> series)
    {
        for (var start = 0; start < series.Count;)
        {
            var end = start;
            while (end < series.Count && series[end].RunName == series[start].RunName)
            {
                end++;
            }

            yield return (series[start].RunName, series.GetRange(start, end - start));
            start = end;
        }
    }
}
