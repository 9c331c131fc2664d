using Metrics.Testing;

namespace Metrics.Client.Tests.Support;

/// <summary>SummaryWriter options for the ingest service of an <see cref="IngestFixture"/>.</summary>
public static class IngestFixtureOptions
{
    public static SummaryWriterOptions Options(this IngestFixture ingest, string run, string? writerId = null, string? journal = null) => new()
    {
        Server = ingest.Server.Url,
        Token = ingest.Token,
        RunName = run,
        WriterId = writerId,
        JournalDirectory = journal ?? Path.Combine(Path.GetTempPath(), "metrics-client-tests-journal"),
    };
}
