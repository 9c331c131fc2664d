using System.Buffers.Binary;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Reads the points of a chunk in step order (<c>foreach</c> works on it), without allocating.
/// The constructor checks the version and the CRC-32C, so a damaged chunk fails before any point
/// comes out; decoding then checks the structure too (strictly rising steps, exact length), so no
/// input makes it loop or return more points than the header promised.
/// </summary>
internal ref struct ScalarChunkDecoder
{
    private BitReader _bits;
    private readonly long _firstStep;
    private int _read;

    private long _step;
    private long _stepDelta;
    private long _wallBits;
    private long _wallDelta;
    private ulong _valueBits;
    private int _leading = -1;
    private int _trailing;

    // Set by SkipBefore: Current is the first point at or after the sought step and MoveNext must yield it again.
    private bool _pending;

    /// <summary>Validates the chunk's header and checksum; throws <see cref="InvalidDataException"/> when it is not a chunk this code can read.</summary>
    public ScalarChunkDecoder(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length == 0)
        {
            throw new InvalidDataException("Scalar chunk is empty.");
        }

        if (chunk[0] != ScalarChunkFormat.Version1)
        {
            throw new InvalidDataException($"Scalar chunk has format version {chunk[0]}; this code reads version {ScalarChunkFormat.Version1}.");
        }

        if (chunk.Length < 3 + ScalarChunkFormat.ChecksumLength)
        {
            throw new InvalidDataException($"Scalar chunk is truncated: {chunk.Length} bytes is shorter than any chunk.");
        }

        var body = chunk[..^ScalarChunkFormat.ChecksumLength];
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(chunk[^ScalarChunkFormat.ChecksumLength..]);
        var computed = ScalarChunkFormat.Checksum(body);
        if (stored != computed)
        {
            throw new InvalidDataException($"Scalar chunk is corrupt or truncated: CRC-32C is 0x{computed:x8}, the chunk says 0x{stored:x8}.");
        }

        var offset = 1;
        var count = ScalarChunkFormat.ReadVarint(body, ref offset, "point count");
        _firstStep = ScalarChunkFormat.UnZigZag(ScalarChunkFormat.ReadVarint(body, ref offset, "first step"));
        var streamBits = (body.Length - offset) * 8L;

        // Every point costs bits, so the count is bounded by the data: a corrupt count fails here
        // instead of after a long decode.
        var maxCount = streamBits < ScalarChunkFormat.FirstPointBits
            ? 0
            : 1 + ((streamBits - ScalarChunkFormat.FirstPointBits) / ScalarChunkFormat.MinPointBits);
        if (count == 0 || count > (ulong)maxCount || count > int.MaxValue)
        {
            throw new InvalidDataException($"Scalar chunk is corrupt: it claims {count} points but {body.Length - offset} bytes of points hold at most {maxCount}.");
        }

        Count = (int)count;
        _bits = new BitReader(body[offset..]);
    }

    /// <summary>Points in the chunk.</summary>
    public int Count { get; }

    /// <summary>The point <see cref="MoveNext"/> last moved to.</summary>
    public ScalarChunkPoint Current { get; private set; }

    public readonly ScalarChunkDecoder GetEnumerator() => this;

    /// <summary>Moves to the next point; false after the last.</summary>
    public bool MoveNext()
    {
        if (_pending)
        {
            _pending = false;
            return true;
        }

        if (_read == Count)
        {
            return false;
        }

        if (_read == 0)
        {
            _step = _firstStep;
            _wallBits = (long)_bits.Read(64);
            _valueBits = _bits.Read(64);
        }
        else
        {
            _stepDelta = unchecked(_stepDelta + DeltaOfDelta.Read(ref _bits, ScalarChunkFormat.StepWidths));
            var step = unchecked(_step + _stepDelta);
            if (step <= _step)
            {
                throw new InvalidDataException($"Scalar chunk is corrupt: point {_read} has step {step} after step {_step}.");
            }

            _step = step;
            _wallDelta = unchecked(_wallDelta + DeltaOfDelta.Read(ref _bits, ScalarChunkFormat.WallTimeWidths));
            _wallBits = unchecked(_wallBits + _wallDelta);
            _valueBits ^= ReadXor();
        }

        Current = new ScalarChunkPoint(_step, BitConverter.Int64BitsToDouble(_wallBits), BitConverter.UInt64BitsToDouble(_valueBits));
        if (++_read == Count)
        {
            CheckEnd();
        }

        return true;
    }

    /// <summary>Skips the points before <paramref name="step"/>: the next <see cref="MoveNext"/> yields the first point at or after it.</summary>
    public void SkipBefore(long step)
    {
        while (MoveNext())
        {
            if (Current.Step >= step)
            {
                _pending = true;
                return;
            }
        }
    }

    /// <summary>Decodes every point of a chunk.</summary>
    public static ScalarChunkPoint[] ReadAll(ReadOnlySpan<byte> chunk)
    {
        var decoder = new ScalarChunkDecoder(chunk);
        var points = new ScalarChunkPoint[decoder.Count];
        var i = 0;
        foreach (var point in decoder)
        {
            points[i++] = point;
        }

        return points;
    }

    private ulong ReadXor()
    {
        if (!_bits.ReadBit())
        {
            return 0;
        }

        if (!_bits.ReadBit())
        {
            if (_leading < 0)
            {
                throw new InvalidDataException($"Scalar chunk is corrupt: point {_read} reuses an XOR window before any was opened.");
            }

            return _bits.Read(64 - _leading - _trailing) << _trailing;
        }

        var leading = (int)_bits.Read(ScalarChunkFormat.LeadingZerosBits);
        var meaningful = (int)_bits.Read(ScalarChunkFormat.MeaningfulBitsBits);
        if (meaningful == 0)
        {
            meaningful = 64;
        }

        var trailing = 64 - leading - meaningful;
        if (trailing < 0)
        {
            throw new InvalidDataException($"Scalar chunk is corrupt: point {_read} has an XOR window of {leading} + {meaningful} bits.");
        }

        (_leading, _trailing) = (leading, trailing);
        return _bits.Read(meaningful) << trailing;
    }

    private readonly void CheckEnd()
    {
        // The writer pads the last byte with zeros and writes nothing after the last point.
        var left = _bits.RemainingBits;
        if (left >= 8)
        {
            throw new InvalidDataException($"Scalar chunk is corrupt: {left} bits follow its last point.");
        }

        var copy = _bits;
        if (left > 0 && copy.Read((int)left) != 0)
        {
            throw new InvalidDataException("Scalar chunk is corrupt: the padding after its last point is not zero.");
        }
    }
}
