using System.Buffers.Binary;
using System.IO.Hashing;

namespace Metrics.TensorBoard;

/// <summary>
/// TFRecord framing, the container of every TensorBoard event file:
/// <c>uint64 LE length | masked CRC32C(length bytes) | data | masked CRC32C(data)</c>, where
/// <c>mask(c) = ((c &gt;&gt; 15) | (c &lt;&lt; 17)) + 0xA282EAD8</c>. CRC32C comes from
/// System.IO.Hashing, which runs it on the CPU's CRC instructions.
/// </summary>
public static class TfRecord
{
    /// <summary>Bytes before the data: the length and its checksum.</summary>
    public const int HeaderLength = 12;

    /// <summary>Bytes after the data: its checksum.</summary>
    public const int FooterLength = 4;

    private const uint MaskDelta = 0xA282EAD8;

    /// <summary>The total size on disk of a record holding <paramref name="dataLength"/> bytes.</summary>
    public static long RecordLength(long dataLength) => HeaderLength + dataLength + FooterLength;

    /// <summary>Plain (unmasked) CRC32C (Castagnoli) of <paramref name="data"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    /// <summary>The masking TensorFlow applies to stored checksums.</summary>
    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + MaskDelta);

    /// <summary>Masked CRC32C of <paramref name="data"/>, as stored in a record.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data) => Mask(Crc32C(data));

    /// <summary>Frames <paramref name="data"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var total = HeaderLength + data.Length + FooterLength;
        if (destination.Length < total)
        {
            throw new ArgumentException("Destination is too small for the record.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], MaskedCrc32C(destination[..8]));
        data.CopyTo(destination[HeaderLength..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(HeaderLength + data.Length)..], MaskedCrc32C(data));
        return total;
    }

    /// <summary>
    /// Writes the header and footer around data already placed at
    /// <c>record[HeaderLength..HeaderLength + dataLength]</c> (lets encoders write in place).
    /// </summary>
    public static int Seal(Span<byte> record, int dataLength)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)dataLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], MaskedCrc32C(record[..8]));
        BinaryPrimitives.WriteUInt32LittleEndian(
            record[(HeaderLength + dataLength)..],
            MaskedCrc32C(record.Slice(HeaderLength, dataLength)));
        return HeaderLength + dataLength + FooterLength;
    }
}
