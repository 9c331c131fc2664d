using Metrics.Export;
using Metrics.Export.Tests.Support;
using Metrics.Testing;

namespace Metrics.Export.Tests;

/// <summary>The owner epoch (fencing token) and the compare-and-set records, against the real PostgreSQL.</summary>
public sealed class ExportStateStoreTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private readonly TestIngest _ingest = new(database.DataSource);
    private readonly ExportStateStore _store = new(database.DataSource);

    [Fact]
    public async Task ClaimAsync_TakenFromOwnerThatRecordedWithoutRelease_IncrementsEpochAndNamesIt()
    {
        var runId = await _ingest.RunAsync("claim", "train");

        var first = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        Assert.True(await _store.TryRecordAsync(runId, first.Epoch, first.State, File(1, "a"), CancellationToken.None));
        var second = await _store.ClaimAsync(runId, "b", CancellationToken.None);

        Assert.Equal((1L, (string?)null, false), (first.Epoch, first.UnreleasedWriter, first.State.HasFile));
        Assert.Equal((2L, "a", "a.0"), (second.Epoch, second.UnreleasedWriter, second.State.FileName));
    }

    [Fact]
    public async Task ClaimAsync_TakerClaimsAgainBeforeRecording_StillSeesTheOtherWriter()
    {
        var runId = await _ingest.RunAsync("claim", "again");
        var first = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        Assert.True(await _store.TryRecordAsync(runId, first.Epoch, first.State, File(1, "a"), CancellationToken.None));
        await _store.ClaimAsync(runId, "b", CancellationToken.None);

        // b failed before recording its new generation and opens the run again: a may still be writing.
        var again = await _store.ClaimAsync(runId, "b", CancellationToken.None);

        Assert.Equal((3L, "a"), (again.Epoch, again.UnreleasedWriter));
    }

    [Fact]
    public async Task TryRecordAsync_StaleEpoch_IsRejectedAndCurrentOwnerRecords()
    {
        var runId = await _ingest.RunAsync("claim", "stale");
        var stale = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        var current = await _store.ClaimAsync(runId, "b", CancellationToken.None);
        var next = new ExportState(1, "events.out.tfevents.1.b.1.0", 100, 3, 0, new Dictionary<long, long> { [1] = 9 });

        var staleRecorded = await _store.TryRecordAsync(runId, stale.Epoch, stale.State, next, CancellationToken.None);
        var currentRecorded = await _store.TryRecordAsync(runId, current.Epoch, current.State, next, CancellationToken.None);

        Assert.False(staleRecorded, "an owner whose epoch was superseded records nothing");
        Assert.True(currentRecorded);
        var loaded = (await _store.LoadAsync(runId, CancellationToken.None))!;
        Assert.Equal((next.Generation, next.FileName, next.ByteLength, 9L), (loaded.Generation, loaded.FileName, loaded.ByteLength, loaded.SeriesSteps[1]));
    }

    [Fact]
    public async Task TryRecordAsync_SameEpochButProgressMovedOn_IsRejected()
    {
        var runId = await _ingest.RunAsync("claim", "moved");
        var claim = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        var first = new ExportState(1, "f", 100, 1, 0, new Dictionary<long, long>());
        Assert.True(await _store.TryRecordAsync(runId, claim.Epoch, claim.State, first, CancellationToken.None));

        var fromOldRecord = await _store.TryRecordAsync(runId, claim.Epoch, claim.State, first with { ByteLength = 200 }, CancellationToken.None);

        Assert.False(fromOldRecord);
    }

    [Fact]
    public async Task ReleaseAsync_ByTheWriter_NextClaimSeesNoUnreleasedWriter()
    {
        var runId = await _ingest.RunAsync("claim", "released");
        var claim = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        Assert.True(await _store.TryRecordAsync(runId, claim.Epoch, claim.State, File(1, "a"), CancellationToken.None));

        Assert.True(await _store.ReleaseAsync(runId, claim.Epoch, CancellationToken.None));
        var next = await _store.ClaimAsync(runId, "b", CancellationToken.None);

        Assert.Equal((2L, (string?)null), (next.Epoch, next.UnreleasedWriter));
    }

    [Fact]
    public async Task ReleaseAsync_ByOwnerThatNeverRecorded_KeepsTheOtherWriterFenced()
    {
        var runId = await _ingest.RunAsync("claim", "release-foreign");
        var first = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        Assert.True(await _store.TryRecordAsync(runId, first.Epoch, first.State, File(1, "a"), CancellationToken.None));
        var taker = await _store.ClaimAsync(runId, "b", CancellationToken.None);

        Assert.True(await _store.ReleaseAsync(runId, taker.Epoch, CancellationToken.None));
        var next = await _store.ClaimAsync(runId, "c", CancellationToken.None);

        Assert.Equal("a", next.UnreleasedWriter);
    }

    [Fact]
    public async Task ReleaseAsync_StaleOwner_DoesNotReleaseTheNewOwnersRun()
    {
        var runId = await _ingest.RunAsync("claim", "stale-release");
        var stale = await _store.ClaimAsync(runId, "a", CancellationToken.None);
        var current = await _store.ClaimAsync(runId, "b", CancellationToken.None);
        Assert.True(await _store.TryRecordAsync(runId, current.Epoch, current.State, File(1, "b"), CancellationToken.None));

        Assert.False(await _store.ReleaseAsync(runId, stale.Epoch, CancellationToken.None));
        var next = await _store.ClaimAsync(runId, "c", CancellationToken.None);

        Assert.Equal("b", next.UnreleasedWriter);
    }

    private static ExportState File(int generation, string owner) =>
        new(generation, owner + "." + (generation - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), 100, 1, 0, new Dictionary<long, long>());
}
