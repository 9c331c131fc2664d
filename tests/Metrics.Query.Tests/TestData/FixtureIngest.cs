using Metrics.Contracts.TensorBoard;
using Metrics.Storage.Writes;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Query.Tests.TestData;

/// <summary>A fixture logdir read with Metrics.TensorBoard and written with PointWriter (the ingest write path).</summary>
public static class FixtureIngest
{
    /// <summary>Writes every run of <paramref name="logdir"/> into <paramref name="project"/>; returns run ids by run name.</summary>
    public static async Task<Dictionary<string, long>> IngestAsync(NpgsqlDataSource dataSource, string logdir, string project)
    {
        var snapshot = LogdirSnapshot.Read(logdir);
        var runs = new RunStore(dataSource);
        var writer = new PointWriter(dataSource);
        var projectId = await runs.EnsureProjectAsync(project, CancellationToken.None);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var run in snapshot.Runs)
        {
            var opened = await runs.OpenRunAsync(projectId, run.RunName, "fixture", cancellationToken: CancellationToken.None);
            ids[run.RunName] = opened.RunId;
            var metadata = new List<SeriesDefinition>();
            var scalars = new List<ScalarPoints>();
            var tensors = new List<TensorPointData>();
            var blobs = new List<BlobPointData>();
            foreach (var (tag, meta) in run.Metadata)
            {
                if (meta.DataClass == DataClass.Unknown)
                {
                    continue;
                }

                metadata.Add(new SeriesDefinition(tag, (SeriesDataClass)(short)meta.DataClass, meta.PluginData?.PluginName ?? "", meta.PluginData?.Content.ToByteArray() ?? [], meta.DisplayName, meta.SummaryDescription));
                var points = run.Points.GetValueOrDefault(tag) ?? [];
                switch (meta.DataClass)
                {
                    case DataClass.Scalar:
                        scalars.Add(new ScalarPoints(tag, [.. points.Select(p => p.Step)], [.. points.Select(p => p.WallTime)], [.. points.Select(p => p.Scalar)]));
                        break;
                    case DataClass.Tensor:
                        tensors.AddRange(points.Select(p => new TensorPointData(tag, p.Step, p.WallTime, (short)p.Tensor.Dtype, TensorValues.Shape(p.Tensor), Google.Protobuf.MessageExtensions.ToByteArray(p.Tensor))));
                        break;
                    default:
                        blobs.AddRange(points.Select(p => new BlobPointData(tag, p.Step, p.WallTime, [.. p.Blobs.Select(b => BlobValue.Inline(b.ToByteArray()))])));
                        break;
                }
            }

            await writer.WriteAsync(new WriteBatch { RunId = opened.RunId, WriterId = "fixture", Seq = 1, Metadata = metadata, Scalars = scalars, Tensors = tensors, Blobs = blobs }, CancellationToken.None);
        }

        return ids;
    }
}
