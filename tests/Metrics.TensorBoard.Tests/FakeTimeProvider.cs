namespace Metrics.TensorBoard.Tests;

/// <summary>A clock moved by hand; timers fire inside <see cref="Advance"/>.</summary>
internal sealed class FakeTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now = start;
    private long _ticks;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _ticks += by.Ticks;
        foreach (var timer in _timers.ToList())
        {
            timer.Fire(_ticks);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state, _ticks + dueTime.Ticks, period.Ticks);
        _timers.Add(timer);
        return timer;
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state, long due, long period) : ITimer
    {
        private long _due = due;

        public void Fire(long now)
        {
            while (_due <= now && _due >= 0)
            {
                callback(state);
                _due = period > 0 ? _due + period : -1;
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();

        public void Dispose() => owner._timers.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
