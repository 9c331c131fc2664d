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
/// </summary>
internal sealed class StoragePipeline
{
    private readonly ResiliencePipeline _pipeline;

    public StoragePipeline(IOptions<IngestOptions> options, TimeProvider time, ILogger<StoragePipeline> logger)
    {
        var transient = new PredicateBuilder().Handle<Exception>(PostgresFaults.IsTransient);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.Value.CommitRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.Value.CommitRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(5),
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
            BreakDuration = TimeSpan.FromSeconds(5),
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
