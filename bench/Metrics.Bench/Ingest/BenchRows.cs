using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;

namespace Metrics.Bench.Ingest;

/// <summary>
/// The rows one writer sends, as protocol batches; the raw-COPY baseline writes exactly these
/// rows. Scalars: Tags tags, consecutive steps. Mixed: one point in 20 is a histogram tensor and
/// one in 200 an image blob (small PNG-sized bytes).
/// </summary>
internal static class BenchRows
{
    public static List<Batch> Batches(int writer, int points, int batchPoints, int tags, bool mixed)
    {
        var batches = new List<Batch>();
        var step = 0L;
        var remaining = points;
        ulong seq = 0;
        var random = new Random(writer);
        while (remaining > 0)
        {
            var size = Math.Min(batchPoints, remaining);
            remaining -= size;
            var batch = new Batch { Seq = ++seq };
            if (seq == 1)
            {
                for (var t = 0; t < tags; t++)
                {
                    batch.Metadata.Add(new SeriesMetadata { Tag = Tag(t), PluginName = "scalars", DataClass = Metrics.Contracts.V1.DataClass.Scalar });
                }

                if (mixed)
                {
                    batch.Metadata.Add(new SeriesMetadata { Tag = "hist", PluginName = "histograms", DataClass = Metrics.Contracts.V1.DataClass.Tensor });
                    batch.Metadata.Add(new SeriesMetadata { Tag = "image", PluginName = "images", DataClass = Metrics.Contracts.V1.DataClass.BlobSequence });
                }
            }

            var series = Enumerable.Range(0, tags).Select(t => new ScalarSeries { Tag = Tag(t) }).ToArray();
            for (var i = 0; i < size; i++)
            {
                var s = step + (i / tags);
                var wall = 1_700_000_000.0 + (s * 0.01);
                if (mixed && i % 200 == 199)
                {
                    var bytes = new byte[2048];
                    random.NextBytes(bytes);
                    batch.Blobs.Add(new BlobPoint { Tag = "image", Step = s + ((long)seq * 1_000_000), WallTime = wall, Blobs = { new BlobRef { Data = ByteString.CopyFromUtf8("32") }, new BlobRef { Data = ByteString.CopyFrom(bytes) } } });
                }
                else if (mixed && i % 20 == 19)
                {
                    var tensor = new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 30 }, new TensorShapeProto.Types.Dim { Size = 3 } } } };
                    var content = new byte[30 * 3 * 8];
                    random.NextBytes(content);
                    tensor.TensorContent = ByteString.CopyFrom(content);
                    batch.Tensors.Add(new TensorPoint { Tag = "hist", Step = s + ((long)seq * 1_000_000) + i, WallTime = wall, Tensor = tensor });
                }
                else
                {
                    var target = series[i % tags];
                    target.Steps.Add(s);
                    target.WallTimes.Add(wall);
                    target.Values.Add(Math.Sin(s * 0.001) + (writer * 0.01));
                }
            }

            batch.Scalars.AddRange(series.Where(x => x.Steps.Count > 0));
            step += (size + tags - 1) / tags;
            batches.Add(batch);
        }

        return batches;
    }

    public static string Tag(int t) => "train/loss" + t.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static long PointCount(IEnumerable<Batch> batches) =>
        batches.Sum(b => (long)b.Scalars.Sum(s => s.Steps.Count) + b.Tensors.Count + b.Blobs.Count);
}
