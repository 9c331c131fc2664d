using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Errors;

/// <summary>The service with a tiny rate limit and a one-second query timeout.</summary>
public sealed class LimitsFixture : QueryApiFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["RATE_LIMIT_PER_SECOND"] = "1",
        ["RATE_LIMIT_BURST"] = "3",
        ["DATABASE_COMMAND_TIMEOUT_SECONDS"] = "1",
    };
}
