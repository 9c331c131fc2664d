using Metrics.Bench.Storage;
using Metrics.Testing;

namespace Metrics.Bench.Tests.Storage;

/// <summary>A small run of the real benchmark: real write path, real PostgreSQL, real event files.</summary>
public sealed class StorageBenchmarkTests
{
    [Fact]
    public async Task RunAsync_SmallRun_EveryKindStoredAndMeasuredBesideEventFiles()
    {
        var options = new StorageBenchmarkOptions { Points = 20_000, Runs = 2, CompactEveryFlushes = 16, DatabaseUrl = await TestPostgres.AdminUrlAsync() };

        var result = await StorageBenchmark.RunAsync(options, CancellationToken.None);

        Assert.Equal("bytes/point", result.Unit);
        Assert.Equal(20_000L, result.Extra["points"]);
        foreach (var kind in CurveKind.All)
        {
            Assert.Equal(4_000L, result.Extra[kind.Name + "_points"]);
            Assert.InRange((double)result.Extra[kind.Name + "_db"], 1, 500);
            Assert.InRange((double)result.Extra[kind.Name + "_db_written"], 1, 500);
            Assert.InRange((double)result.Extra[kind.Name + "_db_live"], 1, (double)result.Extra[kind.Name + "_db"] + 0.01);
            // Framing (16) + wall time (9) + step + tag + value: an event is tens of bytes.
            Assert.InRange((double)result.Extra[kind.Name + "_events"], 25, 80);
        }

        Assert.InRange(result.Value, 1, 500);
        // A batch a second leaves small chunks; compaction merges them.
        Assert.True((long)result.Extra["rows_merged"] > 0);
        Assert.True((double)result.Extra["db_live"] <= result.Value + 0.01);
        Assert.Equal(result.Value / result.Baseline, result.Ratio, 6);
        Assert.Equal(
            (double)result.Extra["db_heap"] + (double)result.Extra["db_indexes"] + (double)result.Extra["db_toast"] + (double)result.Extra["db_maps"],
            result.Value,
            0.5);
    }

    [Fact]
    public async Task RunAsync_TooFewPoints_ThrowsNamingTheOption()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => StorageBenchmark.RunAsync(new StorageBenchmarkOptions { Points = 10, Runs = 8 }, CancellationToken.None));

        Assert.Contains("--points", error.Message, StringComparison.Ordinal);
    }
}
