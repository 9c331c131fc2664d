using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Blobs;
using Metrics.Query.Sampling;
using Metrics.Query.Tags;
using Npgsql;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// ListBlobSequences, ReadBlobSequences and ReadBlob: images ([w, h, png…]), audio, the run graph
/// (plugin graphs, tag __run_graph__); a blob is served when a run of a served project references it.
/// </summary>
internal sealed partial class TensorBoardDataProviderService
{
    /// <summary>Bytes per ReadBlobResponse: well under gRPC's default 4 MiB message limit.</summary>
    private const int BlobChunkBytes = 1 << 20;

    public override async Task<ListBlobSequencesResponse> ListBlobSequences(ListBlobSequencesRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.BlobSequence, listing: true, context.CancellationToken);
        var response = new ListBlobSequencesResponse();
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ListBlobSequencesResponse.Types.RunEntry { RunName = run };
            entry.Tags.AddRange(runSeries.Select(s => new ListBlobSequencesResponse.Types.TagEntry
            {
                TagName = s.Series.Tag,
                Metadata = new BlobSequenceMetadata { MaxStep = s.MaxStep, MaxWallTime = s.MaxWallTime, MaxLength = s.MaxLength, SummaryMetadata = s.Metadata },
            }));
            response.Runs.Add(entry);
        }

        return response;
    }

    public override async Task<ReadBlobSequencesResponse> ReadBlobSequences(ReadBlobSequencesRequest request, ServerCallContext context)
    {
        var filter = SeriesFilter.Parse(request.PluginFilter, request.RunTagFilter);
        var numPoints = TensorBoardDownsample.Parse(request.Downsample);
        var experiment = await catalog.ExperimentAsync(request.ExperimentId, context.CancellationToken);
        var series = await catalog.SeriesAsync(experiment, filter, DataClasses.BlobSequence, listing: false, context.CancellationToken);
        var response = new ReadBlobSequencesResponse();
        foreach (var (run, runSeries) in ByRun(series))
        {
            var entry = new ReadBlobSequencesResponse.Types.RunEntry { RunName = run };
            foreach (var s in runSeries)
            {
                entry.Tags.Add(new ReadBlobSequencesResponse.Types.TagEntry { TagName = s.Series.Tag, Data = await ReadBlobDataAsync(s, numPoints, context.CancellationToken) });
            }

            response.Runs.Add(entry);
        }

        return response;
    }

    public override async Task ReadBlob(ReadBlobRequest request, IServerStreamWriter<ReadBlobResponse> responseStream, ServerCallContext context)
    {
        if (request.BlobKey.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "blob_key is required"));
        }

        var cancellationToken = context.CancellationToken;
        if (!BlobKeys.TryParse(request.BlobKey, out var projectId, out var sha256) || !await catalog.ServesAsync(projectId, cancellationToken))
        {
            throw BlobNotFound(request.BlobKey);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await BlobAccess.FindPluginAsync(connection, projectId, sha256, cancellationToken) is null)
        {
            throw BlobNotFound(request.BlobKey);
        }

        await using var command = new NpgsqlCommand("SELECT content FROM blobs WHERE sha256 = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = sha256 });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw BlobNotFound(request.BlobKey); // referenced, but its chunks have not all arrived
        }

        await using var content = await reader.GetStreamAsync(0, cancellationToken);
        var buffer = new byte[BlobChunkBytes];
        var sent = false;
        int read;
        while ((read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken)) > 0 || !sent)
        {
            await responseStream.WriteAsync(new ReadBlobResponse { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
            sent = true;
        }
    }

    private async Task<BlobSequenceData> ReadBlobDataAsync(TensorBoardSeries series, long numPoints, CancellationToken cancellationToken)
    {
        var data = new BlobSequenceData();
        var steps = await SampleStepsAsync(PointTable.Blob, series.Series.SeriesId, numPoints, cancellationToken);
        if (steps.Length == 0)
        {
            return data;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT step, wall_time, blob_keys FROM blob_points WHERE series_id = $1 AND step = ANY($2) ORDER BY step");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = series.Series.SeriesId });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = steps });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            data.Step.Add(reader.GetInt64(0));
            data.WallTime.Add(reader.GetDouble(1));
            var refs = new BlobReferenceSequence();
            refs.BlobRefs.AddRange(reader.GetFieldValue<byte[][]>(2).Select(key => new BlobReference { BlobKey = BlobKeys.Format(series.ProjectId, key) }));
            data.Values.Add(refs);
        }

        return data;
    }

    private static RpcException BlobNotFound(string key) =>
        new(new Status(StatusCode.NotFound, $"blob '{Auth.Caller.Truncate(key)}' not found"));
}
