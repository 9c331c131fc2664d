using System.Buffers.Binary;
using System.Numerics;

namespace Metrics.Storage.Chunks;

/// <summary>
/// The byte layout of a scalar chunk (docs/storage-chunks.md): version byte, point count and first
/// step as varints, the bit stream, and a CRC-32C of everything before it.
/// </summary>
internal static class ScalarChunkFormat
{
    /// <summary>The format this code writes; a chunk of any other version is refused, not guessed at.</summary>
    public const byte Version1 = 1;

    /// <summary>The CRC-32C trailer.</summary>
    public const int ChecksumLength = 4;

    /// <summary>The first point's wall time and value, written raw.</summary>
    public const int FirstPointBits = 128;

    /// <summary>The fewest bits a later point takes: one each for step, wall time and value.</summary>
    public const int MinPointBits = 3;

    /// <summary>
    /// Payload widths of the step delta-of-delta buckets, selected by a unary prefix. Steps are
    /// mostly evenly spaced (dod 0, one bit); 7 bits cover logging-interval changes, 64 any jump.
    /// </summary>
    public static ReadOnlySpan<byte> StepWidths => [0, 7, 14, 32, 64];

    /// <summary>
    /// Payload widths of the wall-time delta-of-delta buckets, in units of the IEEE bit pattern:
    /// near 1.7e9 s one unit is 2^-22 s (0.24 µs), so 14 bits hold ±2 ms of jitter, 20 bits ±0.12 s,
    /// 28 bits ±32 s, 40 bits ±36 h; anything else (clock jumps, NaN wall times) falls to 64.
    /// </summary>
    public static ReadOnlySpan<byte> WallTimeWidths => [0, 14, 20, 28, 40, 64];

    /// <summary>Gorilla's width of the leading-zero count of a value whose XOR opens a new window.</summary>
    public const int LeadingZerosBits = 5;

    /// <summary>Gorilla's width of the meaningful-bit count that follows it (64 written as 0).</summary>
    public const int MeaningfulBitsBits = 6;

    /// <summary>Longer runs of leading zeros are written as this many, the rest as meaningful bits.</summary>
    public const int MaxLeadingZeros = (1 << LeadingZerosBits) - 1;

    /// <summary>CRC-32C (Castagnoli), the same value as System.IO.Hashing's Crc32C parameter set.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    public static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    public static int VarintLength(ulong value) => Math.Max(1, (64 - BitOperations.LeadingZeroCount(value) + 6) / 7);

    /// <summary>Writes an unsigned LEB128 varint; returns its length.</summary>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads an unsigned LEB128 varint of at most ten bytes; advances <paramref name="offset"/>.</summary>
    public static ulong ReadVarint(ReadOnlySpan<byte> source, ref int offset, string field)
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (offset >= source.Length)
            {
                throw new InvalidDataException($"Scalar chunk is truncated: its {field} runs past the end of the data.");
            }

            var b = source[offset++];
            if (shift == 63 && b > 1)
            {
                throw new InvalidDataException($"Scalar chunk is corrupt: its {field} does not fit in 64 bits.");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException($"Scalar chunk is corrupt: its {field} does not fit in 64 bits.");
    }
}
