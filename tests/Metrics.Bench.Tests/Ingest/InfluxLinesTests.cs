using System.Globalization;
using System.Text;
using Metrics.Bench.Ingest;
using Metrics.Contracts.V1;

namespace Metrics.Bench.Tests.Ingest;

public sealed class InfluxLinesTests
{
    [Fact]
    public void Format_TwoSeries_OneLinePerPointWithLabelsAndNanoseconds()
    {
        var batch = new Batch { Seq = 1 };
        batch.Scalars.Add(new ScalarSeries { Tag = "train/loss", Steps = { 1, 2 }, WallTimes = { 1_700_000_000.5, 1_700_000_000.75 }, Values = { 0.25, -1.5e-7 } });
        batch.Scalars.Add(new ScalarSeries { Tag = "lr", Steps = { 1 }, WallTimes = { 1_700_000_000.5 }, Values = { 3 } });

        var text = Encoding.UTF8.GetString(InfluxLines.Format(batch, "bench-1", "w0"));

        Assert.Equal(
            "bench,bench=bench-1,run=w0,tag=train/loss value=0.25 1700000000500000000\n" +
            "bench,bench=bench-1,run=w0,tag=train/loss value=-1.5E-07 1700000000750000000\n" +
            "bench,bench=bench-1,run=w0,tag=lr value=3 1700000000500000000\n",
            text);
    }

    [Fact]
    public void Format_NoScalars_Empty()
    {
        var batch = new Batch { Seq = 1 };
        batch.Tensors.Add(new TensorPoint { Tag = "hist", Step = 1, WallTime = 1 });

        Assert.Empty(InfluxLines.Format(batch, "b", "w0"));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a b", @"a\ b")]
    [InlineData("a,b=c", @"a\,b\=c")]
    [InlineData(@"back\slash", @"back\\slash")]
    public void EscapeTag_SpecialCharacters_Backslashed(string value, string expected) =>
        Assert.Equal(expected, InfluxLines.EscapeTag(value));

    [Theory]
    [InlineData("")]
    [InlineData("two\nlines")]
    public void EscapeTag_EmptyOrLineBreak_ThrowsNamingTheArgument(string value) =>
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => InfluxLines.EscapeTag(value)).ParamName);

    [Theory]
    [InlineData(double.PositiveInfinity, "Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    public void FormatValue_Specials_AsVictoriaMetricsSpellsThem(double value, string expected) =>
        Assert.Equal(expected, InfluxLines.FormatValue(value));

    [Fact]
    public void FormatValue_RandomDoubles_ParseBackToTheSameBits()
    {
        var random = new Random(17);
        for (var i = 0; i < 10_000; i++)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (double.IsFinite(value))
            {
                var text = InfluxLines.FormatValue(value);
                Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)));
            }
        }
    }

    [Theory]
    [InlineData(0.0, 0L)]
    [InlineData(1.5, 1_500_000_000L)]
    [InlineData(-1.5, -1_500_000_000L)]
    [InlineData(1_700_000_000.25, 1_700_000_000_250_000_000L)]
    public void Nanoseconds_ExactWallTime_ExactNanoseconds(double seconds, long expected) =>
        Assert.Equal(expected, InfluxLines.Nanoseconds(seconds));

    [Fact]
    public void Nanoseconds_SdkTicks_KeepTheTickBeyondWhatWallTimesE9Would()
    {
        // A wall time as the SDK makes it (100 ns ticks / 1e7): wall * 1e9 alone rounds to 256 ns here.
        var ticks = (1_700_000_000L * TimeSpan.TicksPerSecond) + 1_234_567;
        var wall = ticks / (double)TimeSpan.TicksPerSecond;

        var nanoseconds = InfluxLines.Nanoseconds(wall);

        Assert.InRange(nanoseconds - (ticks * 100), -120, 120);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e11)]
    public void Nanoseconds_OutOfRange_ThrowsNamingTheWallTime(double seconds) =>
        Assert.Equal("wallTimeSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => InfluxLines.Nanoseconds(seconds)).ParamName);
}
