using Polly;
using Polly.Retry;

namespace Metrics.Storage;

/// <summary>
/// The services' one back-off for getting the database back (the commit feed's LISTEN connection,
/// the start-up wait): a Polly retry that never gives up on its own (the caller's predicate or
/// cancellation ends it), on the injected <see cref="TimeProvider"/> so tests step through it.
/// By default 250 ms, doubling, at most 10 s apart, without jitter.
/// </summary>
public static class ReconnectBackoff
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <param name="time">The clock the delays run on.</param>
    /// <param name="retryOn">Which failures are worth another attempt (others end the execution).</param>
    /// <param name="onRetry">Told each failure and the delay before the next attempt (to log it).</param>
    /// <param name="backoff">Exponential (the default) or constant delays.</param>
    /// <param name="delay">The first delay (<see cref="FirstDelay"/> when null).</param>
    public static ResiliencePipeline Create(
        TimeProvider time,
        Func<Exception, bool> retryOn,
        Action<Exception, TimeSpan>? onRetry = null,
        DelayBackoffType backoff = DelayBackoffType.Exponential,
        TimeSpan? delay = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryOn);
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle(retryOn),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = backoff,
                UseJitter = false,
                Delay = delay ?? FirstDelay,
                MaxDelay = MaxDelay,
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }
}
