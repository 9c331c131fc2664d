using Metrics.Ingest.Telemetry;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Metrics.Ingest.Writing;

/// <summary>
/// Every database call of the service goes through this Polly pipeline: transient faults (lost
/// connection, serialization failure, deadlock, too many connections, server restarting) are
/// retried with jittered exponential back-off, and a circuit breaker stops hammering a database
/// that is really down; callers then turn the failure into Unavailable, which writers retry.
/// The back-off is capped at one second and the breaker's break is one second, and retries wait
/// out an open breaker: a commit keeps trying about once a second for INGEST_COMMIT_RETRIES
/// attempts, so writers' streams survive a database crash recovery (instead of 200 writers
/// reconnecting into the recovering database) and acks resume about a second after it is back
/// (docs/reliability.md).
/// </summary>
internal sealed class StoragePipeline
{
    private readonly ResiliencePipeline _pipeline;

    public StoragePipeline(IOptions<IngestOptions> options, TimeProvider time, ILogger<StoragePipeline> logger)
    {
        var transient = new PredicateBuilder().Handle<Exception>(PostgresFaults.IsTransient);
        var retryable = new PredicateBuilder().Handle<Exception>(e => PostgresFaults.IsTransient(e) || e is BrokenCircuitException);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.Value.CommitRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retryable,
                MaxRetryAttempts = options.Value.CommitRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(1),
                OnRetry = args =>
                {
                    IngestLog.StorageRetry(logger, args.Outcome.Exception!, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = transient,
            FailureRatio = 0.8,
            MinimumThroughput = 8,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(1),
            OnOpened = args =>
            {
                IngestLog.CircuitOpened(logger, args.BreakDuration);
                return default;
            },
            OnClosed = _ =>
            {
                IngestLog.CircuitClosed(logger);
                return default;
            },
        });
        _pipeline = builder.Build();
    }

    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(action, cancellationToken);

    /// <summary>True for failures a writer should retry later (storage down or overloaded), not a fault in its data.</summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is BrokenCircuitException || PostgresFaults.IsTransient(exception);
}
