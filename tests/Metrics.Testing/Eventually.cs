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
        where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
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

    /// <summary>Polls until <paramref name="probe"/> returns an object (not null) and returns it.</summary>
    public static async Task<T> ObjectAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken = default)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
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
