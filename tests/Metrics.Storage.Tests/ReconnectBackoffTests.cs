using Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Polly;

namespace Metrics.Storage.Tests;

public sealed class ReconnectBackoffTests
{
    private readonly TimerCountingTimeProvider _time = new();
    private readonly List<TimeSpan> _delays = [];
    private int _attempts;

    [Fact]
    public async Task Create_KeepsFailing_WaitsFrom250MsDoublingUpTo10SecondsOnItsTimeProvider()
    {
        var pipeline = ReconnectBackoff.Create(_time, e => e is IOException, (_, delay) => _delays.Add(delay));
        using var stop = new CancellationTokenSource();
        var running = pipeline.ExecuteAsync(FailAsync, stop.Token).AsTask();
        int[] expectedMs = [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000];

        for (var i = 0; i < expectedMs.Length; i++)
        {
            await AttemptsAsync(i + 1);
            await TimersAsync(i + 1);
            _time.Advance(TimeSpan.FromMilliseconds(expectedMs[i] - 1));
            Assert.Equal(i + 1, Volatile.Read(ref _attempts));
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await AttemptsAsync(expectedMs.Length + 1);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(expectedMs.Select(ms => TimeSpan.FromMilliseconds(ms)), _delays.Take(expectedMs.Length));
    }

    [Fact]
    public async Task Create_ConstantDelay_WaitsTheSameEachTimeUntilThePredicateGivesUp()
    {
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(3);
        var pipeline = ReconnectBackoff.Create(_time, _ => _time.GetUtcNow() < deadline, (_, delay) => _delays.Add(delay), DelayBackoffType.Constant, TimeSpan.FromSeconds(1));
        var running = pipeline.ExecuteAsync(FailAsync, CancellationToken.None).AsTask();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await AttemptsAsync(attempt);
            await TimersAsync(attempt);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        await Assert.ThrowsAsync<IOException>(() => running);
        Assert.Equal(4, _attempts);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], _delays);
    }

    [Fact]
    public async Task Create_FailureNotToRetry_ThrowsAtOnce()
    {
        var pipeline = ReconnectBackoff.Create(_time, e => e is TimeoutException, (_, delay) => _delays.Add(delay));

        await Assert.ThrowsAsync<IOException>(() => pipeline.ExecuteAsync(FailAsync, CancellationToken.None).AsTask());

        Assert.Equal(1, _attempts);
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task Create_SucceedsAfterAFailure_ReturnsWithoutMoreAttempts()
    {
        var pipeline = ReconnectBackoff.Create(_time, e => e is IOException);
        var running = pipeline.ExecuteAsync(_ => Interlocked.Increment(ref _attempts) == 1 ? ValueTask.FromException(new IOException("down")) : ValueTask.CompletedTask, CancellationToken.None).AsTask();

        await AttemptsAsync(1);
        await TimersAsync(1);
        _time.Advance(ReconnectBackoff.FirstDelay);

        await running;
        Assert.Equal(2, _attempts);
    }

    private ValueTask FailAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        return ValueTask.FromException(new IOException("connection refused"));
    }

    /// <summary>
    /// Waits until the pipeline has started its <paramref name="count"/>th delay: the attempt that
    /// failed is counted before Polly creates the delay's timer, and advancing the clock in between
    /// would leave that timer a full delay to go.
    /// </summary>
    private Task TimersAsync(int count) =>
        Eventually.TrueAsync(() => _time.Timers >= count, TimeSpan.FromSeconds(10), () => $"delay timer {count} (created {_time.Timers})");

    private Task AttemptsAsync(int count) =>
        Eventually.TrueAsync(() => Volatile.Read(ref _attempts) == count, TimeSpan.FromSeconds(10), () => $"attempt {count} (made {Volatile.Read(ref _attempts)})");
}

/// <summary>A FakeTimeProvider that counts the timers created on it (each of Polly's delays creates one).</summary>
internal sealed class TimerCountingTimeProvider : FakeTimeProvider
{
    private int _timers;

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }
}
