namespace Metrics.Query.Tests.TestData;

/// <summary>The query service with the smallest summary threshold, so test-sized series take the block-summary path.</summary>
public sealed class SummaryQueryApiFixture : QueryApiFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["SUMMARY_THRESHOLD_POINTS"] = "1024",
    };
}
