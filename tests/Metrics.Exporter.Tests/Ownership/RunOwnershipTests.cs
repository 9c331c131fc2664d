using Metrics.Exporter.Ownership;
using Microsoft.Extensions.Time.Testing;

namespace Metrics.Exporter.Tests.Ownership;

public sealed class RunOwnershipTests
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = new();
    private readonly RunOwnership _ownership;

    public RunOwnershipTests() => _ownership = new RunOwnership(_time);

    [Fact]
    public void Candidates_DirtyRuns_CountsThoseNotHeldAsWaiting()
    {
        _ownership.Take(1, Pass());
        _ownership.MarkDirty([1, 2, 3]);

        var (candidates, unowned) = _ownership.Candidates();

        Assert.Equal([1, 2, 3], candidates.Order());
        Assert.Equal(2, unowned);
    }

    [Fact]
    public void Candidates_RefusedRun_NeverAgainEvenWhenACommitMarksIt()
    {
        _ownership.Refuse(7);
        _ownership.MarkDirty([7, 8]);

        Assert.Equal([8], _ownership.Candidates().Candidates);
        _ownership.MarkDirty(7);
        Assert.Equal([8], _ownership.Candidates().Candidates);
    }

    [Fact]
    public async Task Candidates_HeldRunWithPassDue_OnlyOnceItsTimeComes()
    {
        var run = await TakeIdleAsync(4);
        _ownership.Clean(4);
        run.DueAt = _time.GetTimestamp() + Ticks(TimeSpan.FromSeconds(5));

        Assert.Empty(_ownership.Candidates().Candidates);
        Assert.Equal(run.DueAt, _ownership.NextDue());
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal([4], _ownership.Candidates().Candidates);
    }

    [Fact]
    public void NextDue_NothingDue_IsNever()
    {
        _ownership.Take(1, Pass());

        Assert.Equal(long.MaxValue, _ownership.NextDue());
    }

    [Fact]
    public void TryStartHeld_RunNotHeld_ReturnsFalseAndStartsNothing()
    {
        var started = 0;
        _ownership.MarkDirty(9);

        Assert.False(_ownership.TryStartHeld(9, _ => Task.FromResult(++started)));
        Assert.Equal(0, started);
        Assert.True(_ownership.IsDirty(9));
    }

    [Fact]
    public async Task TryStartHeld_PassInFlight_LeavesRunDirtyForLater()
    {
        var pass = new TaskCompletionSource();
        _ownership.Take(5, Pass(until: pass.Task));
        _ownership.MarkDirty(5);

        Assert.True(_ownership.TryStartHeld(5, Pass()));

        Assert.True(_ownership.IsDirty(5));
        Assert.Equal(1, _ownership.RunningCount);
        pass.SetResult();
        await WaitIdleAsync(5);
    }

    [Fact]
    public async Task TryStartHeld_HeldAndIdle_StartsPassAndCleansRun()
    {
        await TakeIdleAsync(6);
        _ownership.MarkDirty(6);
        var passes = 0;

        Assert.True(_ownership.TryStartHeld(6, run =>
        {
            Interlocked.Increment(ref passes);
            return Pass()(run);
        }));

        await WaitIdleAsync(6);
        Assert.Equal(1, passes);
        Assert.False(_ownership.IsDirty(6));
    }

    [Fact]
    public async Task TakeReleasable_IdleForReleaseTime_ReleasesOnlyThen()
    {
        await TakeIdleAsync(10);
        _ownership.Clean(10);
        _time.Advance(Idle - TimeSpan.FromMilliseconds(1));

        Assert.Empty(_ownership.TakeReleasable(Idle));
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var (run, reason) = Assert.Single(_ownership.TakeReleasable(Idle));
        Assert.Equal(10, run.RunId);
        Assert.Equal(ReleaseReason.Idle, reason);
        Assert.False(_ownership.Holds(10));
    }

    [Fact]
    public async Task TakeReleasable_PassAskedForRelease_ReleasesWithItsReasonButNotWhileACommitWaits()
    {
        var run = await TakeIdleAsync(11);
        run.ReleaseReason = ReleaseReason.HeldElsewhere;
        _ownership.MarkDirty(11);

        Assert.Empty(_ownership.TakeReleasable(Idle));
        _ownership.Clean(11);

        Assert.Equal(ReleaseReason.HeldElsewhere, Assert.Single(_ownership.TakeReleasable(Idle)).Reason);
    }

    [Fact]
    public void TakeReleasable_PassInFlight_KeepsRun()
    {
        var pass = new TaskCompletionSource();
        _ownership.Take(12, _ => pass.Task);
        _time.Advance(Idle * 2);

        Assert.Empty(_ownership.TakeReleasable(Idle));
        Assert.True(_ownership.Holds(12));
        pass.SetResult();
    }

    [Fact]
    public async Task TakeReleasable_PassDueLater_KeepsIdleRun()
    {
        var run = await TakeIdleAsync(13);
        _ownership.Clean(13);
        run.DueAt = _time.GetTimestamp() + Ticks(Idle * 3);
        _time.Advance(Idle * 2);

        Assert.Empty(_ownership.TakeReleasable(Idle));
    }

    [Fact]
    public async Task TakeAll_LocksLost_EveryRunGoesAndStaysDirtyForTheNextOwner()
    {
        await TakeIdleAsync(20);
        await TakeIdleAsync(21);
        _ownership.Clean(20);
        _ownership.Clean(21);

        var runs = _ownership.TakeAll(exportAgain: true);

        Assert.Equal([20, 21], runs.Select(r => r.RunId).Order());
        Assert.Empty(_ownership.OwnedRuns);
        Assert.True(_ownership.IsDirty(20) && _ownership.IsDirty(21));
    }

    [Fact]
    public async Task TakeAll_Stopping_LeavesNothingDirty()
    {
        await TakeIdleAsync(22);
        _ownership.Clean(22);

        Assert.Single(_ownership.TakeAll(exportAgain: false));
        Assert.False(_ownership.IsDirty(22));
    }

    // A pass that ends (after <paramref name="until"/>) as the scheduler's does: by telling the ownership.
    private Func<OwnedRun, Task> Pass(Task? until = null) => async run =>
    {
        if (until is not null)
        {
            await until;
        }

        _ownership.Finished(run);
    };

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    // Takes the run and waits for its (empty) first pass to end, as the scheduler's pass does.
    private async Task<OwnedRun> TakeIdleAsync(long runId)
    {
        OwnedRun? taken = null;
        _ownership.Take(runId, run =>
        {
            taken = run;
            return Pass()(run);
        });
        await WaitIdleAsync(runId);
        return taken!;
    }

    private Task WaitIdleAsync(long runId) =>
        Metrics.Testing.Eventually.TrueAsync(() => _ownership.RunningCount == 0, TimeSpan.FromSeconds(10), () => $"run {runId}'s pass to end");
}
