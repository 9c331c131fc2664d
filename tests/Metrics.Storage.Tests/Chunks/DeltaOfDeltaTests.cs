using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class DeltaOfDeltaTests
{
    [Fact]
    public void Read_BucketEdges_ReturnWhatWasWritten()
    {
        long[] probes = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 1L << 31, -(1L << 31), (1L << 31) - 1, 1L << 39, 1L << 40, long.MaxValue, long.MinValue];
        foreach (var widths in new[] { ScalarChunkFormat.StepWidths.ToArray(), ScalarChunkFormat.WallTimeWidths.ToArray() })
        {
            var writer = new BitWriter();
            foreach (var p in probes)
            {
                DeltaOfDelta.Write(writer, p, widths);
            }

            var reader = new BitReader(writer.Flush());
            foreach (var p in probes)
            {
                Assert.Equal(p, DeltaOfDelta.Read(ref reader, widths));
            }
        }
    }

    [Fact]
    public void Write_ZeroAndSmallValues_TakeTheShortBuckets()
    {
        var writer = new BitWriter();
        DeltaOfDelta.Write(writer, 0, ScalarChunkFormat.StepWidths);
        Assert.Equal(1, writer.BitLength);

        DeltaOfDelta.Write(writer, -64, ScalarChunkFormat.StepWidths);
        Assert.Equal(1 + 2 + 7, writer.BitLength);

        DeltaOfDelta.Write(writer, 64, ScalarChunkFormat.StepWidths);
        Assert.Equal(1 + 2 + 7 + 3 + 14, writer.BitLength);
    }
}
