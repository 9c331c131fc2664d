using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Auth;

/// <summary>
/// Points per second per token (INGEST_RATE_LIMIT_POINTS_PER_SECOND), as a token bucket holding
/// one second of points. A writer over its rate waits for the bucket (up to about two seconds of
/// backlog); beyond that its stream ends with ResourceExhausted.
/// </summary>
internal sealed class TokenRateLimiter(IOptions<IngestOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<long, Lazy<TokenBucketRateLimiter>> _limiters = new();

    /// <summary>False when the token is over its rate.</summary>
    public async ValueTask<bool> AcquireAsync(long tokenId, int points, CancellationToken cancellationToken)
    {
        var rate = options.Value.RateLimitPointsPerSecond;
        if (rate == 0 || points == 0)
        {
            return true;
        }

        var limiter = _limiters.GetOrAdd(tokenId, _ => new Lazy<TokenBucketRateLimiter>(Create)).Value;
        using var lease = await limiter.AcquireAsync(Math.Min(points, Capacity), cancellationToken);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values.Where(l => l.IsValueCreated))
        {
            limiter.Value.Dispose();
        }
    }

    // A batch never needs more than the bucket holds, so the biggest allowed batch always fits.
    private int Capacity => (int)Math.Min(int.MaxValue / 4, Math.Max(options.Value.RateLimitPointsPerSecond, options.Value.MaxPointsPerBatch));

    private TokenBucketRateLimiter Create() => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = Capacity,
        TokensPerPeriod = Math.Max(1, options.Value.RateLimitPointsPerSecond / 10),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = Capacity * 2,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    });
}
