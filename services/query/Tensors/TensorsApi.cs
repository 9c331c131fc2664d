using System.Security.Claims;
using Metrics.Contracts.TensorBoard;
using Metrics.Query.Sampling;
using Npgsql;

namespace Metrics.Query.Tensors;

/// <summary>GET /runs/{runId}/tensors: histograms, text and other tensors over a step range, evenly sampled.</summary>
internal static class TensorsApi
{
    public static RouteGroupBuilder MapTensorsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/tensors", GetAsync)
            .WithName("GetTensors")
            .WithSummary("One tensor series (histograms [k,3] as rows, text as UTF-8) over a step range, max_points evenly spaced steps incl. first and last")
            .Produces<TensorSeries>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<TensorSeries> GetAsync([AsParameters] SampledSeriesArguments arguments, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var read = await SampledSeriesRead.StartAsync(dataSource, user, PointTable.Tensor, arguments, cancellationToken);
        await using var command = dataSource.CreateCommand(
            "SELECT step, wall_time, tensor FROM tensor_points WHERE series_id = $1 AND step = ANY($2) ORDER BY step");
        command.Parameters.Add(new NpgsqlParameter { Value = read.Series.SeriesId });
        command.Parameters.Add(new NpgsqlParameter { Value = read.Steps });
        var (kept, walls, dtypes, shapes, values) = (new List<long>(), new List<double>(), new List<string>(), new List<long[]>(), new List<System.Text.Json.Nodes.JsonNode?>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var tensor = TensorProto.Parser.ParseFrom(reader.GetFieldValue<byte[]>(2));
            kept.Add(reader.GetInt64(0));
            walls.Add(reader.GetDouble(1));
            dtypes.Add(DtypeName(tensor.Dtype));
            shapes.Add(Metrics.TensorBoard.TensorValues.Shape(tensor));
            values.Add(TensorJson.ToJson(tensor));
        }

        return new TensorSeries(arguments.RunId, read.Series.Tag, read.Series.PluginName, kept.Count < read.PointsInRange, read.PointsInRange, [.. kept], [.. walls], dtypes, shapes, values);
    }

    /// <summary>TensorFlow's dtype name: DT_DOUBLE is "float64", DT_STRING "string".</summary>
    private static string DtypeName(DataType dtype) => dtype switch
    {
        DataType.DtFloat => "float32",
        DataType.DtDouble => "float64",
        DataType.DtHalf => "float16",
        DataType.DtBfloat16 => "bfloat16",
        DataType.DtInt8 => "int8",
        DataType.DtInt16 => "int16",
        DataType.DtInt32 => "int32",
        DataType.DtInt64 => "int64",
        DataType.DtUint8 => "uint8",
        DataType.DtUint16 => "uint16",
        DataType.DtUint32 => "uint32",
        DataType.DtUint64 => "uint64",
        DataType.DtBool => "bool",
        DataType.DtString => "string",
        _ => dtype.ToString(),
    };
}
