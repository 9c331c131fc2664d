using Google.Protobuf;
using Metrics.Contracts.V1;

namespace Metrics.Client.Internal;

/// <summary>
/// Points added since the last cut, columnar per scalar tag, becoming one <see cref="Batch"/>.
/// Not thread-safe: the writer's lock guards it.
/// </summary>
internal sealed class PointBuffer(int scalarCapacity = 16)
{
    private readonly Dictionary<string, ScalarColumn> _scalars = new(StringComparer.Ordinal);
    private readonly List<ScalarColumn> _scalarOrder = [];
    private readonly List<SeriesMetadata> _metadata = [];
    private readonly List<TensorPoint> _tensors = [];
    private readonly List<BlobPoint> _blobs = [];
    private readonly List<BlobChunk> _chunks = [];
    private string? _lastTag;
    private ScalarColumn? _lastColumn;

    public int Points { get; private set; }

    /// <summary>Approximate encoded size.</summary>
    public long Bytes { get; private set; }

    public long? RestartAtStep { get; set; }

    public bool IsEmpty => Points == 0 && _metadata.Count == 0 && _chunks.Count == 0 && RestartAtStep is null;

    public void AddMetadata(SeriesMetadata metadata)
    {
        _metadata.Add(metadata);
        Bytes += metadata.CalculateSize() + 4;
    }

    public void AddScalar(string tag, long step, double wallTime, double value)
    {
        ScalarColumn column;
        if (ReferenceEquals(tag, _lastTag))
        {
            column = _lastColumn!;
        }
        else
        {
            if (!_scalars.TryGetValue(tag, out column!))
            {
                column = new ScalarColumn(tag, scalarCapacity);
                _scalars.Add(tag, column);
                _scalarOrder.Add(column);
                Bytes += tag.Length + 8;
            }

            _lastTag = tag;
            _lastColumn = column;
        }

        column.Add(step, wallTime, value);
        Points++;
        Bytes += 26;
    }

    public void AddTensor(TensorPoint point)
    {
        _tensors.Add(point);
        Points++;
        Bytes += point.CalculateSize() + 4;
    }

    public void AddBlobs(BlobPoint point)
    {
        _blobs.Add(point);
        Points++;
        Bytes += point.CalculateSize() + 4;
    }

    public void AddChunk(BlobChunk chunk)
    {
        _chunks.Add(chunk);
        Bytes += chunk.Data.Length + 48;
    }

    public Batch ToBatch(ulong seq)
    {
        var batch = new Batch { Seq = seq };
        batch.Metadata.AddRange(_metadata);
        foreach (var column in _scalarOrder)
        {
            batch.Scalars.Add(column.ToSeries());
        }

        batch.Tensors.AddRange(_tensors);
        batch.Blobs.AddRange(_blobs);
        batch.BlobChunks.AddRange(_chunks);
        if (RestartAtStep is { } restart)
        {
            batch.RestartAtStep = restart;
        }

        return batch;
    }

    private sealed class ScalarColumn(string tag, int capacity)
    {
        private long[] _steps = new long[capacity];
        private double[] _wallTimes = new double[capacity];
        private double[] _values = new double[capacity];
        private int _count;

        public void Add(long step, double wallTime, double value)
        {
            if (_count == _steps.Length)
            {
                var size = _count * 2;
                Array.Resize(ref _steps, size);
                Array.Resize(ref _wallTimes, size);
                Array.Resize(ref _values, size);
            }

            _steps[_count] = step;
            _wallTimes[_count] = wallTime;
            _values[_count] = value;
            _count++;
        }

        public ScalarSeries ToSeries()
        {
            var series = new ScalarSeries { Tag = tag };
            series.Steps.AddRange(new ArraySegment<long>(_steps, 0, _count));
            series.WallTimes.AddRange(new ArraySegment<double>(_wallTimes, 0, _count));
            series.Values.AddRange(new ArraySegment<double>(_values, 0, _count));
            return series;
        }
    }
}

/// <summary>Splits blobs above the inline limit into <see cref="BlobChunk"/>s referenced by SHA-256.</summary>
internal static class BlobRefs
{
    /// <summary>Blobs larger than this travel as chunks.</summary>
    public const int InlineLimit = 1 << 20;

    public const int ChunkSize = 512 * 1024;

    public static ChunkedBlob Describe(ByteString blob) =>
        new() { Sha256 = ByteString.CopyFrom(System.Security.Cryptography.SHA256.HashData(blob.Span)), Size = blob.Length };
}
