using System.Buffers.Binary;
using System.Numerics;

namespace Metrics.Storage.Chunks;

/// <summary>
/// Encodes points of one series, in strictly rising step order, into a <see cref="ScalarChunk"/>:
/// steps and wall times as delta-of-delta, values as Gorilla XOR, all lossless to the bit.
/// Reusable: <see cref="Build"/> starts the next chunk, keeping the scratch buffer.
/// </summary>
internal sealed class ScalarChunkEncoder
{
    private readonly BitWriter _bits = new();
    private ChunkSummaryBuilder _summary;

    private long _firstStep;
    private long _step;
    private long _stepDelta;
    private long _wallBits;
    private long _wallDelta;
    private ulong _valueBits;

    // The XOR window of the last value that opened one; -1 until a value differs from its predecessor.
    private int _leading = -1;
    private int _trailing;

    /// <summary>Points appended since the last build.</summary>
    public int Count => _summary.Count;

    /// <summary>The last appended step (meaningless while <see cref="Count"/> is 0).</summary>
    public long LastStep => _step;

    /// <summary>Appends a point; its step must be greater than the previous one.</summary>
    public void Append(long step, double wallTime, double value)
    {
        if (Count > 0 && step <= _step)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"Steps of a chunk rise strictly: step {step} follows step {_step}.");
        }

        if (Count == int.MaxValue)
        {
            throw new InvalidOperationException("A chunk holds at most int.MaxValue points.");
        }

        // Wall times and values are kept as their IEEE bit patterns: NaN payloads, -0.0 and
        // subnormals come back exactly as they went in.
        var wallBits = BitConverter.DoubleToInt64Bits(wallTime);
        var valueBits = BitConverter.DoubleToUInt64Bits(value);
        if (Count == 0)
        {
            _firstStep = step;
            _bits.Write((ulong)wallBits, 64);
            _bits.Write(valueBits, 64);
        }
        else
        {
            // Wrapping arithmetic: a delta between long.MinValue and long.MaxValue does not fit in a
            // long, but modulo 2^64 the decoder's additions undo the subtractions exactly.
            var stepDelta = unchecked(step - _step);
            DeltaOfDelta.Write(_bits, unchecked(stepDelta - _stepDelta), ScalarChunkFormat.StepWidths);
            _stepDelta = stepDelta;

            var wallDelta = unchecked(wallBits - _wallBits);
            DeltaOfDelta.Write(_bits, unchecked(wallDelta - _wallDelta), ScalarChunkFormat.WallTimeWidths);
            _wallDelta = wallDelta;

            WriteValue(valueBits ^ _valueBits);
        }

        (_step, _wallBits, _valueBits) = (step, wallBits, valueBits);
        _summary.Add(new ScalarChunkPoint(step, wallTime, value));
    }

    /// <summary>Appends a point; its step must be greater than the previous one.</summary>
    public void Append(in ScalarChunkPoint point) => Append(point.Step, point.WallTime, point.Value);

    /// <summary>Returns the chunk of the points appended so far and starts an empty one.</summary>
    public ScalarChunk Build()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("A chunk holds at least one point.");
        }

        var summary = _summary.Build();
        var stream = _bits.Flush();
        var count = (ulong)Count;
        var firstStep = ScalarChunkFormat.ZigZag(_firstStep);
        var header = 1 + ScalarChunkFormat.VarintLength(count) + ScalarChunkFormat.VarintLength(firstStep);
        var bytes = new byte[header + stream.Length + ScalarChunkFormat.ChecksumLength];

        bytes[0] = ScalarChunkFormat.Version1;
        var offset = 1;
        offset += ScalarChunkFormat.WriteVarint(bytes.AsSpan(offset), count);
        offset += ScalarChunkFormat.WriteVarint(bytes.AsSpan(offset), firstStep);
        stream.CopyTo(bytes.AsSpan(offset));
        offset += stream.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), ScalarChunkFormat.Checksum(bytes.AsSpan(0, offset)));

        Reset();
        return new ScalarChunk(bytes, summary);
    }

    /// <summary>Drops the points appended since the last build.</summary>
    public void Reset()
    {
        _bits.Reset();
        _summary = default;
        (_firstStep, _step, _stepDelta, _wallBits, _wallDelta, _valueBits) = (0, 0, 0, 0, 0, 0);
        (_leading, _trailing) = (-1, 0);
    }

    private void WriteValue(ulong xor)
    {
        if (xor == 0)
        {
            _bits.Write(0, 1);
            return;
        }

        var leading = Math.Min(BitOperations.LeadingZeroCount(xor), ScalarChunkFormat.MaxLeadingZeros);
        var trailing = BitOperations.TrailingZeroCount(xor);
        var meaningful = 64 - leading - trailing;
        var windowBits = 64 - _leading - _trailing;

        // Reuse the previous window when the XOR fits in it and that costs no more than opening
        // a new one (Gorilla always reuses; a wide stale window would waste bits on every point).
        if (_leading >= 0 && leading >= _leading && trailing >= _trailing
            && windowBits <= meaningful + ScalarChunkFormat.LeadingZerosBits + ScalarChunkFormat.MeaningfulBitsBits)
        {
            _bits.Write(0b10, 2);
            _bits.Write(xor >> _trailing, windowBits);
            return;
        }

        _bits.Write(0b11, 2);
        _bits.Write((ulong)leading, ScalarChunkFormat.LeadingZerosBits);
        // 64 meaningful bits are written as 0: the field is 6 bits and 0 meaningful bits never occur.
        _bits.Write((ulong)(meaningful & 63), ScalarChunkFormat.MeaningfulBitsBits);
        _bits.Write(xor >> trailing, meaningful);
        (_leading, _trailing) = (leading, trailing);
    }
}
