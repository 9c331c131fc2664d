using System.Buffers.Binary;

namespace Metrics.Client.Internal;

/// <summary>PCM float samples (interleaved, clipped to [-1, 1]) as a 16-bit PCM RIFF/WAVE file, as TensorBoard's audio summary encodes them.</summary>
internal static class WavEncoder
{
    public static byte[] Encode(ReadOnlySpan<float> samples, int sampleRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException("The sample count must be a multiple of the channel count.", nameof(samples));
        }

        var dataBytes = checked(samples.Length * 2);
        var wav = new byte[44 + dataBytes];
        var w = wav.AsSpan();
        "RIFF"u8.CopyTo(w);
        BinaryPrimitives.WriteInt32LittleEndian(w[4..], 36 + dataBytes);
        "WAVE"u8.CopyTo(w[8..]);
        "fmt "u8.CopyTo(w[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(w[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(w[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(w[22..], (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(w[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(w[28..], sampleRate * channels * 2);
        BinaryPrimitives.WriteInt16LittleEndian(w[32..], (short)(channels * 2));
        BinaryPrimitives.WriteInt16LittleEndian(w[34..], 16);
        "data"u8.CopyTo(w[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(w[40..], dataBytes);
        for (var i = 0; i < samples.Length; i++)
        {
            var s = float.IsNaN(samples[i]) ? 0f : Math.Clamp(samples[i], -1f, 1f);
            BinaryPrimitives.WriteInt16LittleEndian(w[(44 + (2 * i))..], (short)MathF.Round(s * short.MaxValue));
        }

        return wav;
    }
}
