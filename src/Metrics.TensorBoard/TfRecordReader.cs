using System.Buffers;
using System.Buffers.Binary;

namespace Metrics.TensorBoard;

/// <summary>
/// Reads TFRecord records of one file, verifying both checksums.
/// <para>
/// A record cut short at the end of the file is "still being written": <see cref="TryReadRecord"/>
/// returns false, <see cref="Offset"/> stays at its start and <see cref="HasPartialRecord"/> is set;
/// call again once the file has grown. A checksum mismatch throws
/// <see cref="TfRecordCorruptionException"/> naming the file and the byte offset of the record.
/// To resume in a later process, open a new reader at the saved <see cref="Offset"/>.
/// </para>
/// </summary>
public sealed class TfRecordReader : IDisposable
{
    private const int InitialBufferSize = 256 * 1024;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    /// <summary>Opens <paramref name="path"/> (shared with a writer) and reads from <paramref name="offset"/>.</summary>
    public TfRecordReader(string path, long offset = 0)
        : this(OpenShared(path), path, offset, ownsStream: true)
    {
    }

    /// <summary>Reads records from a seekable <paramref name="stream"/>; <paramref name="path"/> names it in errors.</summary>
    public TfRecordReader(Stream stream, string path, long offset = 0, bool ownsStream = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        _stream = stream;
        _ownsStream = ownsStream;
        Path = path;
        Offset = offset;
        if (offset != 0)
        {
            _stream.Seek(offset, SeekOrigin.Begin);
        }

        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the next unread record: where to resume.</summary>
    public long Offset { get; private set; }

    /// <summary>The last read stopped at a record that is not completely written yet.</summary>
    public bool HasPartialRecord { get; private set; }

    /// <summary>
    /// Reads the next record. <paramref name="data"/> stays valid until the next call.
    /// Returns false at the end of the written data (nothing or a partial record left).
    /// </summary>
    public bool TryReadRecord(out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!Fill(TfRecord.HeaderLength))
        {
            HasPartialRecord = _end > _start;
            return false;
        }

        var header = _buffer.AsSpan(_start, TfRecord.HeaderLength);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (TfRecord.MaskedCrc32C(header[..8]) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            throw new TfRecordCorruptionException(Path, Offset, "Record length checksum mismatch");
        }

        if (length > int.MaxValue - TfRecord.HeaderLength - TfRecord.FooterLength)
        {
            throw new TfRecordCorruptionException(Path, Offset, "Record longer than 2 GiB");
        }

        var total = TfRecord.HeaderLength + (int)length + TfRecord.FooterLength;
        if (!Fill(total))
        {
            HasPartialRecord = true;
            return false;
        }

        var payload = _buffer.AsSpan(_start + TfRecord.HeaderLength, (int)length);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + TfRecord.HeaderLength + (int)length));
        if (TfRecord.MaskedCrc32C(payload) != stored)
        {
            throw new TfRecordCorruptionException(Path, Offset, "Record data checksum mismatch");
        }

        _start += total;
        Offset += total;
        HasPartialRecord = false;
        data = payload;
        return true;
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }

        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static FileStream OpenShared(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        });

    // Makes at least `count` unread bytes available; false when the file has fewer for now.
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_buffer.Length < count)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        while (_end < count)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }
}
