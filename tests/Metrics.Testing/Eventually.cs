using Xunit;

namespace Metrics.Testing;

/// <summary>
/// The one way tests wait for something to happen: polls a condition until it holds or a timeout
/// passes, then fails with a description of what was awaited. Never a fixed sleep.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
    {
        _ = await ValueAsync(async () => await condition() ? true : (bool?)null, timeout, describe, cancellationToken);
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, describe, cancellationToken);

    /// <summary>Polls until <paramref name="probe"/> returns a value (not null) and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
        where T : struct =>
        await PollAsync(async () => await probe() is { } value ? (true, value) : (false, default), timeout, describe, cancellationToken);

    /// <summary>Polls until <paramref name="probe"/> returns an object (not null) and returns it.</summary>
    public static async Task<T> ObjectAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
        where T : class =>
        await PollAsync(async () => await probe() is { } value ? (true, value) : (false, null!), timeout, describe, cancellationToken);

    private static async Task<T> PollAsync<T>(Func<Task<(bool Done, T Value)>> probe, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (done, value) = await probe();
            if (done)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#} s waiting for {describe()}");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
