using Metrics.Ingest.Writing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Ingest.Tests.Writing;

public sealed class StoragePipelineTests
{
    [Fact]
    public async Task ExecuteAsync_DatabaseRestartingLongEnoughToOpenTheBreaker_WaitsAndSucceeds()
    {
        var pipeline = new StoragePipeline(Options.Create(new IngestOptions { CommitRetries = 40 }), TimeProvider.System, NullLogger<StoragePipeline>.Instance);
        var calls = 0;

        // Ten failures in a row open the breaker (80 % of at least 8 calls); the call must outlast it, not fail with it.
        var result = await pipeline.ExecuteAsync(
            _ => ++calls <= 10 ? throw new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03") : new ValueTask<int>(42),
            CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(11, calls);
    }

    [Fact]
    public async Task ExecuteAsync_NonTransientFailure_NotRetried()
    {
        var pipeline = new StoragePipeline(Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<StoragePipeline>.Instance);
        var calls = 0;

        await Assert.ThrowsAsync<PostgresException>(async () => await pipeline.ExecuteAsync<int>(
            _ => ++calls > 0 ? throw new PostgresException("syntax error", "ERROR", "ERROR", "42601") : default,
            CancellationToken.None));

        Assert.Equal(1, calls);
    }
}
