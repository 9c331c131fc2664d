namespace Metrics.Client.Internal;

/// <summary>Wall times as TensorBoard keeps them: float64 seconds since the Unix epoch.</summary>
internal static class WallTimes
{
    public static double Now(TimeProvider time) => Of(time.GetUtcNow());

    public static double Of(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;
}
