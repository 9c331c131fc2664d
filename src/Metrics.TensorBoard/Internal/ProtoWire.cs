using System.Buffers.Binary;

namespace Metrics.TensorBoard.Internal;

/// <summary>Just enough protobuf wire format for the hand-rolled scalar paths.</summary>
internal static class ProtoWire
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

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

    public static bool TryReadVarint(ReadOnlySpan<byte> source, scoped ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= source.Length)
            {
                return false;
            }

            var b = source[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads a length-delimited field body; false if it runs past the end.</summary>
    public static bool TryReadLengthDelimited(ReadOnlySpan<byte> source, scoped ref int position, out ReadOnlySpan<byte> body)
    {
        body = default;
        if (!TryReadVarint(source, ref position, out var length) || length > (ulong)(source.Length - position))
        {
            return false;
        }

        body = source.Slice(position, (int)length);
        position += (int)length;
        return true;
    }

    public static bool TryReadFixed64(ReadOnlySpan<byte> source, scoped ref int position, out ulong value)
    {
        value = 0;
        if (source.Length - position < 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(source[position..]);
        position += 8;
        return true;
    }

    public static bool TryReadFixed32(ReadOnlySpan<byte> source, scoped ref int position, out uint value)
    {
        value = 0;
        if (source.Length - position < 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(source[position..]);
        position += 4;
        return true;
    }
}
