using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard.Internal;

namespace Metrics.TensorBoard;

/// <summary>
/// Prints a <see cref="LogdirSnapshot"/> in the shape of the fixtures' <c>*.expected.json</c>
/// (what TensorBoard's data provider reads, every point):
/// <code>
/// runs, plugins: sorted names
/// scalars: {plugin: {run: {tag: [[step, wall_time, value], ...]}}}      file order
/// tensors: {plugin: {run: {tag: [[step, wall_time, values], ...]}}}     file order, strings as UTF-8
/// blobs:   {plugin: {run: {tag: [[step, wall_time, [sha256-16, ...]], ...]}}}  first per step, by step
/// graphs:  {run: node count}      rust_loader_drops: {run: {tag: count}}
/// </code>
/// Floats print as Python does, non-finite ones as "NaN", "Infinity", "-Infinity"; a rank-0 tensor
/// prints as a one-element list. Keys are sorted, indentation is one space.
/// </summary>
public static class LogdirJson
{
    /// <summary>Writes the JSON of <paramref name="snapshot"/> to <paramref name="output"/>.</summary>
    public static void Write(LogdirSnapshot snapshot, Stream output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, IndentSize = 1, SkipValidation = false });
        var runs = snapshot.Runs.OrderBy(r => r.RunName, StringComparer.Ordinal).ToList();
        w.WriteStartObject();

        w.WritePropertyName("blobs");
        WriteSection(w, runs, DataClass.BlobSequence, WriteBlobSeries);

        w.WriteStartObject("graphs");
        foreach (var run in runs.Where(r => r.Graph is not null))
        {
            w.WriteNumber(run.RunName, GraphDef.Parser.ParseFrom(run.Graph).Node.Count);
        }

        w.WriteEndObject();

        w.WriteStartArray("plugins");
        foreach (var plugin in Plugins(runs))
        {
            w.WriteStringValue(plugin);
        }

        w.WriteEndArray();

        w.WriteStartArray("runs");
        foreach (var run in runs)
        {
            w.WriteStringValue(run.RunName);
        }

        w.WriteEndArray();

        w.WriteStartObject("rust_loader_drops");
        foreach (var run in runs.Where(r => r.RustLoaderDrops.Count > 0))
        {
            w.WriteStartObject(run.RunName);
            foreach (var (tag, count) in run.RustLoaderDrops.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(tag, count);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WritePropertyName("scalars");
        WriteSection(w, runs, DataClass.Scalar, WriteScalarSeries);
        w.WritePropertyName("tensors");
        WriteSection(w, runs, DataClass.Tensor, WriteTensorSeries);
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>The JSON as a string.</summary>
    public static string ToJson(LogdirSnapshot snapshot)
    {
        using var stream = new MemoryStream();
        Write(snapshot, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The first 16 hex digits of the SHA-256 of <paramref name="blob"/>.</summary>
    public static string BlobHash(ByteString blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return Convert.ToHexStringLower(SHA256.HashData(blob.Span))[..16];
    }

    internal static IEnumerable<string> Plugins(IEnumerable<RunAccumulator> runs) =>
        runs.SelectMany(r => r.Metadata.Values)
            .Select(m => m.PluginData?.PluginName ?? string.Empty)
            .Where(p => p.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);

    private static void WriteSection(Utf8JsonWriter w, List<RunAccumulator> runs, DataClass dataClass, Action<Utf8JsonWriter, List<TensorBoardPoint>> writeSeries)
    {
        w.WriteStartObject();
        foreach (var plugin in Plugins(runs))
        {
            var byRun = runs
                .Select(run => (run, tags: run.Metadata
                    .Where(m => m.Value.DataClass == dataClass && (m.Value.PluginData?.PluginName ?? string.Empty) == plugin)
                    .Select(m => m.Key)
                    .Order(StringComparer.Ordinal)
                    .ToList()))
                .Where(x => x.tags.Count > 0)
                .ToList();
            if (byRun.Count == 0)
            {
                continue;
            }

            w.WriteStartObject(plugin);
            foreach (var (run, tags) in byRun)
            {
                w.WriteStartObject(run.RunName);
                foreach (var tag in tags)
                {
                    w.WritePropertyName(tag);
                    writeSeries(w, run.Points.GetValueOrDefault(tag) ?? []);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteScalarSeries(Utf8JsonWriter w, List<TensorBoardPoint> points)
    {
        w.WriteStartArray();
        foreach (var point in points)
        {
            w.WriteStartArray();
            w.WriteNumberValue(point.Step);
            WriteFloat(w, point.WallTime);
            WriteFloat(w, point.Scalar);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private static void WriteTensorSeries(Utf8JsonWriter w, List<TensorBoardPoint> points)
    {
        w.WriteStartArray();
        foreach (var point in points)
        {
            w.WriteStartArray();
            w.WriteNumberValue(point.Step);
            WriteFloat(w, point.WallTime);
            WriteTensor(w, point.Tensor);
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private static void WriteBlobSeries(Utf8JsonWriter w, List<TensorBoardPoint> points)
    {
        var byStep = new SortedDictionary<long, TensorBoardPoint>();
        foreach (var point in points)
        {
            byStep.TryAdd(point.Step, point);
        }

        w.WriteStartArray();
        foreach (var point in byStep.Values)
        {
            w.WriteStartArray();
            w.WriteNumberValue(point.Step);
            WriteFloat(w, point.WallTime);
            w.WriteStartArray();
            foreach (var blob in TensorValues.ToStrings(point.Tensor))
            {
                w.WriteStringValue(BlobHash(blob));
            }

            w.WriteEndArray();
            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private static void WriteTensor(Utf8JsonWriter w, TensorProto tensor)
    {
        var shape = TensorValues.Shape(tensor);
        if (shape.Length == 0)
        {
            shape = [1];
        }

        if (TensorValues.IsString(tensor))
        {
            var strings = TensorValues.ToStrings(tensor);
            var i = 0;
            WriteNested(w, shape, 0, () => w.WriteStringValue(i < strings.Count ? strings[i++].ToStringUtf8() : string.Empty));
            return;
        }

        var values = TensorValues.ToDoubles(tensor);
        var isFloat = tensor.Dtype is DataType.DtFloat or DataType.DtDouble or DataType.DtHalf or DataType.DtBfloat16;
        var isBool = tensor.Dtype == DataType.DtBool;
        var j = 0;
        WriteNested(w, shape, 0, () =>
        {
            var v = j < values.Length ? values[j++] : 0;
            if (isBool)
            {
                w.WriteBooleanValue(v != 0);
            }
            else if (isFloat)
            {
                WriteFloat(w, v);
            }
            else
            {
                w.WriteNumberValue((long)v);
            }
        });
    }

    private static void WriteNested(Utf8JsonWriter w, long[] shape, int axis, Action writeElement)
    {
        w.WriteStartArray();
        for (long i = 0; i < shape[axis]; i++)
        {
            if (axis == shape.Length - 1)
            {
                writeElement();
            }
            else
            {
                WriteNested(w, shape, axis + 1, writeElement);
            }
        }

        w.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter w, double value)
    {
        if (double.IsNaN(value))
        {
            w.WriteStringValue("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            w.WriteStringValue("Infinity");
        }
        else if (double.IsNegativeInfinity(value))
        {
            w.WriteStringValue("-Infinity");
        }
        else
        {
            w.WriteRawValue(PythonFloat.Format(value), skipInputValidation: true);
        }
    }
}
