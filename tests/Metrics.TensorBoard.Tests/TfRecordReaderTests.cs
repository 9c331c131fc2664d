namespace Metrics.TensorBoard.Tests;

public sealed class TfRecordReaderTests
{
    [Fact]
    public void TryReadRecord_FlippedBitInSecondRecord_ThrowsWithFileAndOffset()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "events.out.tfevents.1");
        var first = Record([1, 2, 3]);
        var second = Record([4, 5, 6, 7]);
        second[TfRecord.HeaderLength + 1] ^= 0x10;
        File.WriteAllBytes(path, [.. first, .. second]);
        using var reader = new TfRecordReader(path);

        Assert.True(reader.TryReadRecord(out _));
        var error = Assert.Throws<TfRecordCorruptionException>(() => reader.TryReadRecord(out _));
        Assert.Equal(first.Length, error.Offset);
        Assert.Equal(path, error.FilePath);
        Assert.Contains("offset " + first.Length, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadRecord_FlippedBitInLength_Throws()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "f");
        var record = Record([9, 9]);
        record[0] ^= 0x01;
        File.WriteAllBytes(path, record);
        using var reader = new TfRecordReader(path);

        Assert.Equal(0, Assert.Throws<TfRecordCorruptionException>(() => reader.TryReadRecord(out _)).Offset);
    }

    [Fact]
    public void TryReadRecord_TruncatedTail_ReturnsFalseThenResumesAfterAppend()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "f");
        var first = Record([1]);
        var second = Record([2, 2, 2, 2, 2]);
        File.WriteAllBytes(path, [.. first, .. second.AsSpan(0, 7)]);
        using var reader = new TfRecordReader(path);

        Assert.True(reader.TryReadRecord(out _));
        Assert.False(reader.TryReadRecord(out _));
        Assert.True(reader.HasPartialRecord);
        Assert.Equal(first.Length, reader.Offset);

        using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.Write(second.AsSpan(7));
        }

        Assert.True(reader.TryReadRecord(out var data));
        Assert.Equal(new byte[] { 2, 2, 2, 2, 2 }, data.ToArray());
        Assert.False(reader.HasPartialRecord);
    }

    [Fact]
    public void Constructor_AtSavedOffset_ReadsFromThere()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "f");
        var first = Record([1]);
        File.WriteAllBytes(path, [.. first, .. Record([2])]);
        using var reader = new TfRecordReader(path, first.Length);

        Assert.True(reader.TryReadRecord(out var data));
        Assert.Equal(new byte[] { 2 }, data.ToArray());
    }

    [Fact]
    public void TryReadRecord_EmptyFile_ReturnsFalseWithoutPartial()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "f");
        File.WriteAllBytes(path, []);
        using var reader = new TfRecordReader(path);

        Assert.False(reader.TryReadRecord(out _));
        Assert.False(reader.HasPartialRecord);
    }

    private static byte[] Record(byte[] data)
    {
        var buffer = new byte[TfRecord.RecordLength(data.Length)];
        TfRecord.Write(data, buffer);
        return buffer;
    }
}
