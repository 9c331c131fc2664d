using System.Buffers.Binary;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Reads the bit fields a <see cref="BitWriter"/> wrote, most significant bit first. Reading past
/// the end throws <see cref="InvalidDataException"/>: a truncated chunk is reported, never padded
/// with invented zeros.
/// </summary>
internal ref struct BitReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _next;

    // Bits loaded from _data and not yet read, left-aligned.
    private ulong _buffer;
    private int _bufferBits;

    /// <summary>Bits left to read.</summary>
    public readonly long RemainingBits => _bufferBits + ((_data.Length - _next) * 8L);

    /// <summary>Reads a field of <paramref name="count"/> bits (0 to 64) into the low bits of the result.</summary>
    public ulong Read(int count)
    {
        if ((uint)count > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A bit field is 0 to 64 bits wide.");
        }

        if (count == 0)
        {
            return 0;
        }

        if (count <= _bufferBits)
        {
            return Take(count);
        }

        // The field straddles the loaded bits: take what is there, load more, take the rest.
        var have = _bufferBits;
        var high = have == 0 ? 0 : Take(have);
        var need = count - have;
        Refill();
        if (need > _bufferBits)
        {
            throw new InvalidDataException($"Scalar chunk is truncated: a {count}-bit field runs past the end of the data.");
        }

        var low = Take(need);
        return need == 64 ? low : (high << need) | low;
    }

    /// <summary>Reads one bit.</summary>
    public bool ReadBit() => Read(1) != 0;

    private ulong Take(int count)
    {
        var value = _buffer >> (64 - count);
        _buffer = count == 64 ? 0 : _buffer << count;
        _bufferBits -= count;
        return value;
    }

    private void Refill()
    {
        var left = _data.Length - _next;
        if (left >= 8)
        {
            _buffer = BinaryPrimitives.ReadUInt64BigEndian(_data[_next..]);
            _next += 8;
            _bufferBits = 64;
            return;
        }

        _buffer = 0;
        for (var i = 0; i < left; i++)
        {
            _buffer |= (ulong)_data[_next + i] << (56 - (8 * i));
        }

        _next += left;
        _bufferBits = left * 8;
    }
}
