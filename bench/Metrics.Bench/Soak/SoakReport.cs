using System.Globalization;
using System.Text;
using Grpc.Core;

namespace Metrics.Bench.Soak;

/// <summary>What a soak observed: points sent, acknowledged, stored and exported, latencies, memory, faults.</summary>
public sealed record SoakReport
{
    public int Writers { get; init; }

    public double Seconds { get; init; }

    public long PointsSent { get; init; }

    public long PointsAcked { get; init; }

    public required AuditResult Database { get; init; }

    /// <summary>The exported logdir checked against the acknowledged points (null without an exporter).</summary>
    public AuditResult? Logdir { get; init; }

    public double AckP50Ms { get; init; }

    public double AckP99Ms { get; init; }

    public double AckMaxMs { get; init; }

    /// <summary>Highest ingest RSS sampled (the largest replica).</summary>
    public long IngestRssMaxBytes { get; init; }

    public long IngestRssStartBytes { get; init; }

    public long Queries { get; init; }

    public long QueryFailures { get; init; }

    public double QueryP50Ms { get; init; }

    public double QueryP99Ms { get; init; }

    /// <summary>Seconds into the soak of the first and the last failed query (null without failures).</summary>
    public (double First, double Last)? QueryFailureWindow { get; init; }

    /// <summary>Queries answered (no 5xx, no transport error) after the last failed one: the service recovered.</summary>
    public long QueriesAnsweredAfterLastFailure { get; init; }

    /// <summary>Seconds into the soak at which each answered query (no 5xx, no transport error) was answered, in order.</summary>
    public IReadOnlyList<double> QueryAnswerSeconds { get; init; } = [];

    /// <summary>The longest stretch (ms) in which no writer had a batch acknowledged.</summary>
    public double LongestAckStallMs { get; init; }

    public long Reconnects { get; init; }

    /// <summary>Writers stopped by a permanent error (must be none).</summary>
    public IReadOnlyList<string> WriterFaults { get; init; } = [];

    /// <summary>Statuses that broke writer connections (retried), by code.</summary>
    public IReadOnlyDictionary<StatusCode, int> ConnectionFailures { get; init; } = new Dictionary<StatusCode, int>();

    /// <summary>Faults injected, in order.</summary>
    public IReadOnlyList<string> FaultsInjected { get; init; } = [];

    /// <summary>Seconds into the soak at which each of <see cref="FaultsInjected"/> began.</summary>
    public IReadOnlyList<double> FaultSeconds { get; init; } = [];

    /// <summary>Points acknowledged when each of <see cref="FaultsInjected"/> had been injected (acks after it: <see cref="PointsAcked"/> minus this).</summary>
    public IReadOnlyList<long> PointsAckedAfterFaults { get; init; } = [];

    public double AckedPointsPerSecond => Seconds > 0 ? PointsAcked / Seconds : 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"writers={Writers} seconds={Seconds:0.0} sent={PointsSent} acked={PointsAcked} ({AckedPointsPerSecond:0} points/s)");
        text.AppendLine(CultureInfo.InvariantCulture, $"stored: {Database}");
        if (Logdir is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"exported: {Logdir}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"ack latency ms: p50={AckP50Ms:0.0} p99={AckP99Ms:0.0} max={AckMaxMs:0.0}; longest stall without any ack: {LongestAckStallMs:0} ms");
        text.AppendLine(CultureInfo.InvariantCulture, $"ingest RSS MB: start={IngestRssStartBytes / 1048576.0:0.0} max={IngestRssMaxBytes / 1048576.0:0.0}");
        text.Append(CultureInfo.InvariantCulture, $"queries={Queries} failures={QueryFailures} p50={QueryP50Ms:0.0} ms p99={QueryP99Ms:0.0} ms");
        if (QueryFailureWindow is var (first, last))
        {
            text.Append(CultureInfo.InvariantCulture, $"; failures from {first:0.0} s to {last:0.0} s, {QueriesAnsweredAfterLastFailure} answered after");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"reconnects={Reconnects} connection failures: {string.Join(", ", ConnectionFailures.Select(kv => kv.Key + "=" + kv.Value))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"faults injected ({FaultsInjected.Count}): {string.Join(", ", FaultsInjected.Zip(FaultSeconds, (name, at) => string.Create(CultureInfo.InvariantCulture, $"{name} at {at:0.0} s")))}");
        text.Append(CultureInfo.InvariantCulture, $"writer faults: {WriterFaults.Count}{(WriterFaults.Count > 0 ? " e.g. " + WriterFaults[0] : "")}");
        return text.ToString();
    }
}
