using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Client.Tests;

/// <summary>AddEventScalar / AddEventTensor (the public calls `metrics upload` uses), offline: what TensorBoard reads back.</summary>
public sealed class SummaryWriterEventFilesTests : IDisposable
{
    private const string Run = "copy";
    private const double WallTime = 1_700_000_000.123456789;
    private readonly string _logdir = Path.Combine(Path.GetTempPath(), "metrics-event-files-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AddEventScalar_WithMetadata_KeepsMetadataAndExactWallTime()
    {
        var metadata = SummaryMetadataFactory.Scalars(displayName: "Training loss");
        await using (var writer = Offline())
        {
            writer.AddEventScalar("loss", 0.25, 3, WallTime, metadata);
        }

        var point = Assert.Single(ReadPoints());
        Assert.Equal(("loss", 3L, 0.25, WallTime), (point.Tag, point.Step, point.Scalar, point.WallTime));
        Assert.Equal("Training loss", point.Metadata.DisplayName);
        Assert.Equal(DataClass.Scalar, point.DataClass);
    }

    [Fact]
    public async Task AddEventTensor_BySummaryDataClass_StoresScalarTensorAndBlobs()
    {
        var blobs = new[] { ByteString.CopyFromUtf8("2"), ByteString.CopyFromUtf8("1"), ByteString.CopyFrom(1, 2, 3) };
        var text = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto(), StringVal = { ByteString.CopyFromUtf8("**hi**") } };
        await using (var writer = Offline())
        {
            writer.AddEventTensor("scalar", TensorValues.FloatScalar(1.5f), 1, WallTime, SummaryMetadataFactory.Scalars());
            writer.AddEventTensor("notes", text, 2, WallTime, SummaryMetadataFactory.Text());
            writer.AddEventTensor("image", TensorValues.Blobs(blobs), 3, WallTime, SummaryMetadataFactory.Images());
        }

        var points = ReadPoints().ToDictionary(p => p.Tag);
        Assert.Equal(1.5, points["scalar"].Scalar);
        Assert.Equal(text, points["notes"].Tensor);
        Assert.Equal(blobs, points["image"].Blobs);
        Assert.Equal(DataClass.BlobSequence, points["image"].DataClass);
    }

    [Fact]
    public async Task AddEventTensor_MetadataWithoutDataClass_Throws()
    {
        await using var writer = Offline();

        var error = Assert.Throws<ArgumentException>(() => writer.AddEventTensor("x", TensorValues.FloatScalar(1), 0, WallTime, new SummaryMetadata()));

        Assert.Equal("metadata", error.ParamName);
    }

    public void Dispose()
    {
        if (Directory.Exists(_logdir))
        {
            Directory.Delete(_logdir, recursive: true);
        }
    }

    private SummaryWriter Offline() => new(new SummaryWriterOptions { LogDirectory = _logdir, RunName = Run });

    private List<TensorBoardPoint> ReadPoints()
    {
        using var reader = new RunReader(Run, Path.Combine(_logdir, Run));
        var points = new List<TensorBoardPoint>();
        while (reader.TryRead(out var item))
        {
            if (item.Kind == RunItemKind.Point)
            {
                points.Add(item.Point);
            }
        }

        return points;
    }
}
