using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

/// <summary>Point comparisons by bits: record equality would call 0.0 and -0.0 equal and ignore NaN payloads.</summary>
internal static class ChunkAssert
{
    public static void BitExact(ReadOnlySpan<ScalarChunkPoint> expected, ReadOnlySpan<ScalarChunkPoint> actual, string context)
    {
        Assert.True(expected.Length == actual.Length, $"{context}: {actual.Length} points decoded, {expected.Length} expected.");
        for (var i = 0; i < expected.Length; i++)
        {
            BitExact(expected[i], actual[i], $"{context}, point {i}");
        }
    }

    public static void BitExact(ScalarChunkPoint expected, ScalarChunkPoint actual, string context)
    {
        if (expected.Step != actual.Step
            || BitConverter.DoubleToInt64Bits(expected.WallTime) != BitConverter.DoubleToInt64Bits(actual.WallTime)
            || BitConverter.DoubleToInt64Bits(expected.Value) != BitConverter.DoubleToInt64Bits(actual.Value))
        {
            Assert.Fail($"{context}: decoded {Describe(actual)}, expected {Describe(expected)}.");
        }
    }

    public static void BitExact(ScalarChunkPoint? expected, ScalarChunkPoint? actual, string context)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{context}: {(actual.HasValue ? "a point" : "none")}, expected {(expected.HasValue ? "a point" : "none")}.");
        if (expected is { } e && actual is { } a)
        {
            BitExact(e, a, context);
        }
    }

    public static ScalarChunk Encode(ReadOnlySpan<ScalarChunkPoint> points, ScalarChunkEncoder? encoder = null)
    {
        encoder ??= new ScalarChunkEncoder();
        foreach (var p in points)
        {
            encoder.Append(p);
        }

        return encoder.Build();
    }

    private static string Describe(ScalarChunkPoint p) =>
        $"(step {p.Step}, wall 0x{BitConverter.DoubleToInt64Bits(p.WallTime):x16}, value 0x{BitConverter.DoubleToInt64Bits(p.Value):x16})";
}
