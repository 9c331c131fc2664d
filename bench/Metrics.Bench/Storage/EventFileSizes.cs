using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Bench.Storage;

/// <summary>
/// The same points as TensorBoard event files, written by src/Metrics.TensorBoard's
/// <see cref="EventFileWriter"/> (TensorBoard's framing: length, masked CRC-32C of the length, the
/// Event, its masked CRC-32C), one file per run, tags of a step in turn: float32 values as
/// <c>simple_value</c> (PyTorch's add_scalar, the smallest scalar event TensorBoard reads),
/// float64 values as rank-0 DT_DOUBLE tensors (add_scalar's double_precision), so no file drops
/// precision the database keeps.
/// </summary>
internal static class EventFileSizes
{
    /// <summary>Writes <paramref name="runs"/> under <paramref name="directory"/> and returns the files' bytes.</summary>
    public static long Write(string directory, CurveKind kind, IEnumerable<TrainingRun> runs)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(runs);
        var metadata = SummaryMetadataFactory.Scalars();
        long bytes = 0;
        foreach (var run in runs)
        {
            var runDirectory = Path.Combine(directory, run.Name);
            using (var writer = EventFileWriter.Create(runDirectory, new EventFileWriterOptions { MaxQueue = 10_000, FlushInterval = TimeSpan.Zero, Host = "bench", ProcessId = 1 }))
            {
                var count = run.Series[0].Count;
                for (var i = 0; i < count; i++)
                {
                    foreach (var series in run.Series)
                    {
                        if (kind.Float64)
                        {
                            var tensor = new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto() };
                            tensor.DoubleVal.Add(series.Values[i]);
                            writer.WriteTensor(series.Tag, series.Steps[i], series.WallTimes[i], tensor, metadata);
                        }
                        else
                        {
                            writer.WriteValue(series.Steps[i], series.WallTimes[i], new Summary.Types.Value { Tag = series.Tag, SimpleValue = (float)series.Values[i] });
                        }
                    }
                }
            }

            bytes += Directory.EnumerateFiles(runDirectory).Sum(f => new FileInfo(f).Length);
        }

        return bytes;
    }
}
