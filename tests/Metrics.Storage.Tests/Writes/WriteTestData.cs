using Metrics.Storage.Writes;

namespace Metrics.Storage.Tests.Writes;

/// <summary>Small builders of write batches for write-path tests.</summary>
internal static class WriteTestData
{
    public static SeriesDefinition Scalar(string tag) => new(tag, SeriesDataClass.Scalar, "scalars", []);

    public static ScalarPoints Points(string tag, params (long Step, double Value)[] points) =>
        new(tag, [.. points.Select(p => p.Step)], [.. points.Select(p => 1_700_000_000.0 + p.Step)], [.. points.Select(p => p.Value)]);
}
