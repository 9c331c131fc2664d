namespace Metrics.Storage.Chunks;

/// <summary>
/// Gorilla-style bucketed delta-of-delta fields: bucket k is k one bits then a zero (the last
/// bucket drops the zero), followed by the value in that bucket's width, two's complement.
/// Bucket 0 has width 0 and means "the same delta as before".
/// </summary>
internal static class DeltaOfDelta
{
    public static void Write(BitWriter bits, long dod, ReadOnlySpan<byte> widths)
    {
        if (dod == 0)
        {
            bits.Write(0, 1);
            return;
        }

        var last = widths.Length - 1;
        for (var k = 1; k <= last; k++)
        {
            int width = widths[k];
            if (k == last || Fits(dod, width))
            {
                var ones = (1UL << k) - 1;
                if (k == last)
                {
                    bits.Write(ones, k);
                }
                else
                {
                    bits.Write(ones << 1, k + 1);
                }

                bits.Write((ulong)dod, width);
                return;
            }
        }
    }

    public static long Read(ref BitReader bits, ReadOnlySpan<byte> widths)
    {
        var last = widths.Length - 1;
        var k = 0;
        while (k < last && bits.ReadBit())
        {
            k++;
        }

        int width = widths[k];
        if (width == 0)
        {
            return 0;
        }

        var raw = bits.Read(width);
        return width == 64 ? (long)raw : (long)(raw << (64 - width)) >> (64 - width);
    }

    private static bool Fits(long value, int width) =>
        width == 64 || (value >= -(1L << (width - 1)) && value < 1L << (width - 1));
}
