using Google.Protobuf;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard;

/// <summary>
/// What TensorBoard shows of one run: feeds on <see cref="RunItem"/>s in file order and applies
/// the purges (restart, out-of-order steps) as TensorBoard's Python loader does; also counts the
/// points TensorBoard's Rust loader would discard (a point at step s discards its tag's kept points
/// at step ≥ s; a scalar that is not a rank-0 DT_FLOAT is discarded).
/// </summary>
public sealed class RunAccumulator
{
    private readonly Dictionary<string, List<TensorBoardPoint>> _points = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SummaryMetadata> _metadata = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<long>> _rustKept = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rustDrops = new(StringComparer.Ordinal);

    public RunAccumulator(string runName)
    {
        RunName = runName;
    }

    public string RunName { get; }

    /// <summary>The metadata of each tag (the first the run gave).</summary>
    public IReadOnlyDictionary<string, SummaryMetadata> Metadata => _metadata;

    /// <summary>Every kept point per tag, in file order.</summary>
    public IReadOnlyDictionary<string, List<TensorBoardPoint>> Points => _points;

    /// <summary>Per tag, how many points TensorBoard's Rust loader would discard (tags with none are absent).</summary>
    public IReadOnlyDictionary<string, long> RustLoaderDrops => _rustDrops;

    /// <summary>The last run graph (serialized GraphDef), if any.</summary>
    public ByteString? Graph { get; private set; }

    /// <summary>Adds an item read from the run.</summary>
    public void Add(in RunItem item)
    {
        var step = item.Step;
        switch (item.Kind)
        {
            case RunItemKind.Restart:
                foreach (var list in _points.Values)
                {
                    list.RemoveAll(p => p.Step >= step);
                }

                break;
            case RunItemKind.TagsPurge:
                foreach (var tag in item.Tags ?? [])
                {
                    _points.GetValueOrDefault(tag)?.RemoveAll(p => p.Step >= step);
                }

                break;
            default:
                AddPoint(item.Point);
                break;
        }
    }

    private void AddPoint(in TensorBoardPoint point)
    {
        if (!_points.TryGetValue(point.Tag, out var list))
        {
            list = [];
            _points.Add(point.Tag, list);
        }

        list.Add(point);
        if (point.Metadata.PluginData is not null || point.Metadata.DataClass != DataClass.Unknown)
        {
            _metadata.TryAdd(point.Tag, point.Metadata);
        }

        if (point.PluginName == PluginNames.Graphs && point.Tag == PluginNames.RunGraphTag && point.Blobs.Count > 0)
        {
            Graph = point.Blobs[0];
        }

        CountRustDrops(point);
    }

    private void CountRustDrops(in TensorBoardPoint point)
    {
        if (point.DataClass == DataClass.Unknown)
        {
            return;
        }

        if (point.DataClass == DataClass.Scalar && !IsFloatScalar(point))
        {
            _rustDrops[point.Tag] = _rustDrops.GetValueOrDefault(point.Tag) + 1;
            return;
        }

        if (!_rustKept.TryGetValue(point.Tag, out var kept))
        {
            kept = [];
            _rustKept.Add(point.Tag, kept);
        }

        // Kept steps always rise strictly, so the discarded ones are a tail.
        var index = kept.BinarySearch(point.Step);
        if (index < 0)
        {
            index = ~index;
        }

        var dropped = kept.Count - index;
        if (dropped > 0)
        {
            kept.RemoveRange(index, dropped);
            _rustDrops[point.Tag] = _rustDrops.GetValueOrDefault(point.Tag) + dropped;
        }

        kept.Add(point.Step);
    }

    private static bool IsFloatScalar(in TensorBoardPoint point)
    {
        if (point.RawTensor is not { } tensor)
        {
            return true;
        }

        return tensor.Dtype == DataType.DtFloat && (tensor.TensorShape is null || tensor.TensorShape.Dim.Count == 0);
    }
}
