using System.Globalization;

namespace Metrics.Resilience.Tests.Failover;

/// <summary>What a failover cost, as docs/reliability.md records it.</summary>
internal sealed record FailoverFigures(TimeSpan Failover, double LongestAckStallMs, double AckMaxMs, long Queries, long QueriesFailed, long QueriesAnsweredDuring, long PointsAckedAfter)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"failover {Failover.TotalSeconds:0.0} s (fault to a new primary accepting writes), longest ack stall {LongestAckStallMs / 1000:0.0} s, slowest ack {AckMaxMs / 1000:0.0} s, queries failed {QueriesFailed} of {Queries} ({QueriesAnsweredDuring} answered by the standby during the failover), points acknowledged after the failover {PointsAckedAfter}");
}
