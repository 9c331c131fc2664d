using System.Buffers.Binary;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Appends bit fields, most significant bit first, to a growable buffer. One writer is meant to be
/// reused (<see cref="Reset"/>) across chunks, so encoding many chunks allocates only their bytes.
/// </summary>
internal sealed class BitWriter
{
    private byte[] _buffer;
    private int _length;

    // Bits not yet copied to the buffer, left-aligned: the next bit written lands below them.
    private ulong _pending;
    private int _pendingBits;

    public BitWriter(int initialCapacity = 256) => _buffer = new byte[Math.Max(initialCapacity, 16)];

    /// <summary>Bits written since the last reset.</summary>
    public long BitLength => (_length * 8L) + _pendingBits;

    /// <summary>Writes the low <paramref name="count"/> bits of <paramref name="value"/> (0 to 64 bits).</summary>
    public void Write(ulong value, int count)
    {
        if ((uint)count > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A bit field is 0 to 64 bits wide.");
        }

        if (count == 0)
        {
            return;
        }

        if (count < 64)
        {
            value &= (1UL << count) - 1;
        }

        var free = 64 - _pendingBits;
        if (count < free)
        {
            _pending |= value << (free - count);
            _pendingBits += count;
            return;
        }

        // The field fills the register: its top bits complete it, the rest start the next one.
        var rest = count - free;
        _pending |= value >> rest;
        Spill();
        _pending = rest == 0 ? 0 : value << (64 - rest);
        _pendingBits = rest;
    }

    /// <summary>Writes one bit.</summary>
    public void WriteBit(bool bit) => Write(bit ? 1UL : 0UL, 1);

    /// <summary>Pads the last byte with zero bits and returns everything written since the last reset.</summary>
    public ReadOnlySpan<byte> Flush()
    {
        var bytes = (_pendingBits + 7) / 8;
        EnsureCapacity(bytes);
        for (var i = 0; i < bytes; i++)
        {
            _buffer[_length++] = (byte)(_pending >> (56 - (8 * i)));
        }

        _pending = 0;
        _pendingBits = 0;
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Forgets what was written; keeps the buffer for the next chunk.</summary>
    public void Reset()
    {
        _length = 0;
        _pending = 0;
        _pendingBits = 0;
    }

    private void Spill()
    {
        EnsureCapacity(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), _pending);
        _length += 8;
    }

    private void EnsureCapacity(int more)
    {
        if (_length + more > _buffer.Length)
        {
            // Doubling in long arithmetic: past 1 GiB an int doubling would overflow before the cap.
            Array.Resize(ref _buffer, (int)Math.Min(Array.MaxLength, Math.Max(_buffer.Length * 2L, _length + more)));
        }
    }
}
