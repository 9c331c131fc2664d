using System.Text.RegularExpressions;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Microsoft.Extensions.Time.Testing;

namespace Metrics.TensorBoard.Tests;

public sealed partial class EventFileWriterTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Create_NewFile_IsNamedLikeTensorBoardAndStartsWithFileVersion()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        string path;
        using (var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { TimeProvider = time, Host = "host", ProcessId = 42, FilenameSuffix = ".v2" }))
        {
            path = writer.FilePath;
        }

        Assert.Matches(FileNamePattern(), Path.GetFileName(path));
        Assert.StartsWith("events.out.tfevents." + Start.ToUnixTimeSeconds() + ".host.42.", Path.GetFileName(path), StringComparison.Ordinal);
        var events = ReadEvents(path);
        Assert.Equal("brain.Event:2", Assert.Single(events).FileVersion);
    }

    [Fact]
    public void WriteScalar_FewerThanMaxQueue_StaysBufferedUntilMaxQueue()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        using var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { TimeProvider = time, MaxQueue = 3 });
        var afterHeader = new FileInfo(writer.FilePath).Length;

        writer.WriteScalar("loss", 1, 1f, 1);
        writer.WriteScalar("loss", 2, 1f, 2);
        Assert.Equal(afterHeader, new FileInfo(writer.FilePath).Length);
        Assert.Equal(2, writer.PendingEvents);

        writer.WriteScalar("loss", 3, 1f, 3);
        Assert.Equal(0, writer.PendingEvents);
        Assert.Equal(writer.Length, new FileInfo(writer.FilePath).Length);
        Assert.Equal(4, ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void WriteScalar_FlushIntervalElapses_FlushedByTimerWithoutMoreWrites()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        using var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { TimeProvider = time, MaxQueue = 100, FlushInterval = TimeSpan.FromSeconds(5) });
        writer.WriteScalar("loss", 1, 1f, 1);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, writer.PendingEvents);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, writer.PendingEvents);
        Assert.Equal(2, ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void Flush_Explicit_WritesWholeRecordsAndFlushAndSyncReportsLength()
    {
        using var dir = new TempDirectory();
        using var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { MaxQueue = 1000 });
        writer.WriteScalar("a", 1, 0.5f, 10);

        var length = writer.FlushAndSync();

        Assert.Equal(new FileInfo(writer.FilePath).Length, length);
        Assert.Equal(length, writer.DurableLength);
        using var reader = new TfRecordReader(writer.FilePath);
        while (reader.TryReadRecord(out _))
        {
        }

        Assert.False(reader.HasPartialRecord);
        Assert.Equal(length, reader.Offset);
    }

    [Fact]
    public void WriteScalar_SameTagTwice_MetadataOnlyOnFirstValueOfEachFile()
    {
        using var dir = new TempDirectory();
        using var writer = EventFileWriter.Create(dir.Path);
        writer.WriteScalar("loss", 1, 1f, 1);
        writer.WriteScalar("loss", 2, 2f, 2);
        var first = writer.FilePath;
        writer.Rotate();
        writer.WriteScalar("loss", 3, 3f, 3);
        writer.Flush();

        var values = ReadEvents(first).Where(e => e.Summary is not null).Select(e => e.Summary.Value[0]).ToList();
        Assert.Equal("scalars", values[0].Metadata.PluginData.PluginName);
        Assert.Equal(DataClass.Scalar, values[0].Metadata.DataClass);
        Assert.Null(values[1].Metadata);
        Assert.NotEqual(first, writer.FilePath);
        Assert.NotNull(ReadEvents(writer.FilePath).Single(e => e.Summary is not null).Summary.Value[0].Metadata);
    }

    [Fact]
    public void WriteScalar_HandRolledEncoding_ParsesAsV2ScalarEvent()
    {
        using var dir = new TempDirectory();
        using (var writer = EventFileWriter.Create(dir.Path))
        {
            writer.WriteScalar("x", (1L << 53) - 1, float.NegativeInfinity, 1.5);
            writer.WriteScalar("x", -3, 2f, 0);
        }

        var events = ReadEvents(EventFiles.List(dir.Path)[0]).Skip(1).ToList();
        Assert.Equal((1L << 53) - 1, events[0].Step);
        Assert.Equal(1.5, events[0].WallTime);
        var tensor = events[0].Summary.Value[0].Tensor;
        Assert.Equal(DataType.DtFloat, tensor.Dtype);
        Assert.Empty(tensor.TensorShape.Dim);
        Assert.Equal(float.NegativeInfinity, Assert.Single(tensor.FloatVal));
        Assert.Equal(-3, events[1].Step);
    }

    [Fact]
    public void Append_AfterCrash_CutsToDurableLengthAndKeepsMetadataState()
    {
        using var dir = new TempDirectory();
        string path;
        long durable;
        using (var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { MaxQueue = 1000 }))
        {
            writer.WriteScalar("loss", 1, 1f, 1);
            durable = writer.FlushAndSync();
            path = writer.FilePath;
        }

        // Bytes written after the last fsync (here: a torn record) are cut away.
        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write([1, 2, 3, 4, 5]);
        }

        using (var writer = EventFileWriter.Append(path, durable))
        {
            writer.WriteScalar("loss", 2, 2f, 2);
        }

        var values = ReadEvents(path).Where(e => e.Summary is not null).Select(e => e.Summary.Value[0]).ToList();
        Assert.Equal(2, values.Count);
        Assert.Null(values[1].Metadata);
    }

    [Fact]
    public void WriteValue_RepeatedMetadata_IsDroppedWithoutChangingCallerValue()
    {
        using var dir = new TempDirectory();
        var value = new Summary.Types.Value { Tag = "t", Metadata = SummaryMetadataFactory.Text(), Tensor = TensorValues.Blobs([ByteString.CopyFromUtf8("hi")]) };
        using (var writer = EventFileWriter.Create(dir.Path))
        {
            writer.WriteValue(1, 1, value);
            writer.WriteValue(2, 2, value);
        }

        Assert.NotNull(value.Metadata);
        var values = ReadEvents(EventFiles.List(dir.Path)[0]).Where(e => e.Summary is not null).Select(e => e.Summary.Value[0]).ToList();
        Assert.NotNull(values[0].Metadata);
        Assert.Null(values[1].Metadata);
    }

    internal static List<Event> ReadEvents(string path)
    {
        var events = new List<Event>();
        using var reader = new TfRecordReader(path);
        while (reader.TryReadRecord(out var data))
        {
            events.Add(Event.Parser.ParseFrom(data));
        }

        return events;
    }

    [GeneratedRegex(@"^events\.out\.tfevents\.\d{10}\.host\.42\.\d+\.v2$")]
    private static partial Regex FileNamePattern();
}
