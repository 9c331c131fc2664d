using System.Globalization;
using System.Text;
using System.Text.Json;
using Metrics.Query.Runs;
using Metrics.Storage.Chunks;
using Npgsql;

namespace Metrics.Query.Scalars;

/// <summary>
/// mode=all: every point of a range, written to the response as its chunks are read and decoded,
/// never held in memory. Columnar JSON takes one pass over the chunks per column (steps,
/// wall_times, values) inside one REPEATABLE READ snapshot so the columns agree; CSV takes one pass.
/// </summary>
internal static class ScalarStreaming
{
    private const int FlushBytes = 32 * 1024;

    public static async Task WriteJsonAsync(HttpResponse response, NpgsqlDataSource dataSource, IReadOnlyList<SeriesRef> series, IReadOnlyList<MissingSeries>? missing, ScalarQuery query, CancellationToken cancellationToken)
    {
        response.ContentType = "application/json; charset=utf-8";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var body = response.BodyWriter;
        await using var json = new Utf8JsonWriter(body);
        if (missing is not null)
        {
            json.WriteStartObject();
            json.WriteStartArray("series");
        }

        foreach (var one in series)
        {
            json.WriteStartObject();
            json.WriteNumber("run_id", one.RunId);
            json.WriteString("tag", one.Tag);
            json.WriteBoolean("downsampled", false);
            long pointsInRange = 0;
            foreach (var column in (string[])["steps", "wall_times", "values"])
            {
                json.WriteStartArray(column);
                await foreach (var chunk in ScalarChunkReads.StreamPointsAsync(connection, one.SeriesId, query.FromStep, query.ToStep, cancellationToken))
                {
                    WriteColumn(json, column, chunk);
                    if (column == "steps")
                    {
                        pointsInRange += chunk.Length;
                    }

                    if (json.BytesPending > FlushBytes)
                    {
                        await json.FlushAsync(cancellationToken);
                        await body.FlushAsync(cancellationToken);
                    }
                }

                json.WriteEndArray();
            }

            // Counted while streaming the steps (same snapshot): every point of the range is in the answer.
            json.WriteNumber("points_in_range", pointsInRange);
            json.WriteEndObject();
        }

        if (missing is not null)
        {
            json.WriteEndArray();
            json.WritePropertyName("missing");
            JsonSerializer.Serialize(json, missing, ScalarsApi.SnakeCase);
            json.WriteEndObject();
        }

        await json.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public static async Task WriteCsvAsync(HttpResponse response, NpgsqlDataSource dataSource, IReadOnlyList<SeriesRef> series, bool withSeriesColumns, ScalarQuery query, CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        var body = response.BodyWriter;
        Write(body, withSeriesColumns ? "run_id,tag,step,wall_time,value\n" : "step,wall_time,value\n");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var line = new StringBuilder(128);
        foreach (var one in series)
        {
            var prefix = withSeriesColumns ? one.RunId.ToString(CultureInfo.InvariantCulture) + "," + CsvField(one.Tag) + "," : "";
            var pending = 0;
            await foreach (var chunk in ScalarChunkReads.StreamPointsAsync(connection, one.SeriesId, query.FromStep, query.ToStep, cancellationToken))
            {
                foreach (var point in chunk)
                {
                    line.Clear().Append(prefix);
                    AppendCsvRow(line, point);
                    pending += Write(body, line);
                }

                if (pending > FlushBytes)
                {
                    await body.FlushAsync(cancellationToken);
                    pending = 0;
                }
            }
        }

        await body.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>CSV of points already in memory (downsampled answers).</summary>
    public static async Task WriteCsvAsync(HttpResponse response, IReadOnlyList<ScalarSeries> series, bool withSeriesColumns, CancellationToken cancellationToken)
    {
        response.ContentType = "text/csv; charset=utf-8";
        var text = new StringBuilder(withSeriesColumns ? "run_id,tag,step,wall_time,value\n" : "step,wall_time,value\n");
        foreach (var one in series)
        {
            for (var i = 0; i < one.Steps.Length; i++)
            {
                if (withSeriesColumns)
                {
                    text.Append(one.RunId.ToString(CultureInfo.InvariantCulture)).Append(',').Append(CsvField(one.Tag)).Append(',');
                }

                AppendCsvRow(text, new ScalarChunkPoint(one.Steps[i], one.WallTimes[i], one.Values[i]));
            }
        }

        await response.WriteAsync(text.ToString(), cancellationToken);
    }

    public static string FormatDouble(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(FormatDouble(value));
        }
    }

    private static void WriteColumn(Utf8JsonWriter json, string column, ScalarChunkPoint[] points)
    {
        switch (column)
        {
            case "steps":
                foreach (var point in points)
                {
                    json.WriteNumberValue(point.Step);
                }

                break;
            case "wall_times":
                foreach (var point in points)
                {
                    WriteDouble(json, point.WallTime);
                }

                break;
            default:
                foreach (var point in points)
                {
                    WriteDouble(json, point.Value);
                }

                break;
        }
    }

    private static void AppendCsvRow(StringBuilder line, in ScalarChunkPoint point) =>
        line.Append(point.Step.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(FormatDouble(point.WallTime)).Append(',')
            .Append(FormatDouble(point.Value)).Append('\n');

    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int Write(System.IO.Pipelines.PipeWriter body, string text)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, body.GetSpan(count));
        body.Advance(count);
        return count;
    }

    private static int Write(System.IO.Pipelines.PipeWriter body, StringBuilder text)
    {
        var total = 0;
        foreach (var chunk in text.GetChunks())
        {
            var count = Encoding.UTF8.GetByteCount(chunk.Span);
            Encoding.UTF8.GetBytes(chunk.Span, body.GetSpan(count));
            body.Advance(count);
            total += count;
        }

        return total;
    }
}
