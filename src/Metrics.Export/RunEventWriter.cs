using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Export;

/// <summary>
/// Stored points as TensorBoard's own encodings: scalars as rank-0 DT_FLOAT tensors (the Rust
/// loader drops anything else), tensors as stored, blob sequences as DT_STRING tensors of their
/// blobs, the run graph as <c>Event.graph_def</c>; each with its series' metadata on the tag's
/// first value in the file (the writer keeps track).
/// </summary>
public static class RunEventWriter
{
    public static void Write(EventFileWriter writer, in ExportPoint point)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var series = point.Series;
        switch (series.DataClass)
        {
            case 1:
                writer.WriteScalar(series.Tag, point.Step, (float)point.Scalar, point.WallTime, series.Metadata);
                break;
            case 2:
                writer.WriteTensor(series.Tag, point.Step, point.WallTime, TensorProto.Parser.ParseFrom(point.Tensor), series.Metadata);
                break;
            default:
                WriteBlobs(writer, point);
                break;
        }
    }

    /// <summary>
    /// A whole run into a new file: its hparams session start (<see cref="RunPointSource.GetSessionStartAsync"/>)
    /// at the run's first step, then every point of <paramref name="merger"/>; returns the points written.
    /// </summary>
    public static async Task<long> WriteRunAsync(EventFileWriter writer, RunPointSource source, long runId, IReadOnlyList<ExportSeries> series, RunPointMerger merger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(merger);
        if (await source.GetSessionStartAsync(runId, series, cancellationToken) is { } session)
        {
            session.Write(writer, merger.PeekStep ?? 0);
        }

        return await WriteAllAsync(writer, merger, cancellationToken);
    }

    /// <summary>Writes every point of <paramref name="merger"/>; returns how many.</summary>
    public static async Task<long> WriteAllAsync(EventFileWriter writer, RunPointMerger merger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merger);
        long count = 0;
        while (await merger.MoveNextAsync(cancellationToken))
        {
            Write(writer, merger.Current);
            count++;
        }

        return count;
    }

    private static void WriteBlobs(EventFileWriter writer, in ExportPoint point)
    {
        var series = point.Series;
        var blobs = point.Blobs ?? [];
        if (series.IsRunGraph && blobs.Length > 0)
        {
            writer.WriteGraph(point.Step, point.WallTime, ByteString.CopyFrom(blobs[0]));
            return;
        }

        if (series.IsTaggedRunMetadata && blobs.Length > 0)
        {
            writer.WriteEvent(new Event
            {
                Step = point.Step,
                WallTime = point.WallTime,
                TaggedRunMetadata = new TaggedRunMetadata { Tag = series.Tag, RunMetadata = ByteString.CopyFrom(blobs[0]) },
            });
            return;
        }

        var tensor = new TensorProto
        {
            Dtype = DataType.DtString,
            TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = blobs.Length } } },
        };
        foreach (var blob in blobs)
        {
            tensor.StringVal.Add(ByteString.CopyFrom(blob));
        }

        writer.WriteTensor(series.Tag, point.Step, point.WallTime, tensor, series.Metadata);
    }
}
