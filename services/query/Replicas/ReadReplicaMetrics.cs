using System.Diagnostics.Metrics;

namespace Metrics.Query.Replicas;

/// <summary>The "Metrics.Query.Replicas" meter: where reads went, why a read fell back to the primary, and what the read barrier cost.</summary>
internal sealed class ReadReplicaMetrics
{
    public const string Name = "Metrics.Query.Replicas";

    private readonly Counter<long> _reads;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _waits;
    private readonly Counter<long> _barrierFailures;
    private readonly Histogram<double> _barrier;

    public ReadReplicaMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _reads = meter.CreateCounter<long>("metrics.query.reads", "{request}", "Requests by the server they read (target: primary, standby; server: host:port of the standby).");
        _fallbacks = meter.CreateCounter<long>("metrics.query.read.fallbacks", "{request}", "Requests that read the primary although they could have read a standby, by reason (behind: no standby replayed past the barrier in time; unavailable: no standby reachable).");
        _waits = meter.CreateCounter<long>("metrics.query.read.waits", "{request}", "Requests served by a standby after waiting for it to replay past their barrier.");
        _barrierFailures = meter.CreateCounter<long>("metrics.query.read.barrier.failures", "{request}", "Requests that read a standby without a barrier because the primary's WAL position could not be read (primary down).");
        _barrier = meter.CreateHistogram<double>("metrics.query.read.barrier.duration", "s", "Time from request start to its data source being chosen: the primary's WAL position plus any wait for a standby.");
    }

    public void ReadStandby(string server, bool waited, TimeSpan elapsed)
    {
        _reads.Add(1, new KeyValuePair<string, object?>("target", "standby"), new KeyValuePair<string, object?>("server", server));
        if (waited)
        {
            _waits.Add(1);
        }

        _barrier.Record(elapsed.TotalSeconds);
    }

    /// <summary>A read of the primary; <paramref name="fallback"/> says why when a standby could have served it.</summary>
    public void ReadPrimary(string? fallback, TimeSpan elapsed)
    {
        _reads.Add(1, new KeyValuePair<string, object?>("target", "primary"));
        if (fallback is not null)
        {
            _fallbacks.Add(1, new KeyValuePair<string, object?>("reason", fallback));
            _barrier.Record(elapsed.TotalSeconds);
        }
    }

    /// <summary>The primary's WAL position could not be read: the request reads a standby without the freshness guarantee.</summary>
    public void BarrierFailed(string server)
    {
        _reads.Add(1, new KeyValuePair<string, object?>("target", "standby"), new KeyValuePair<string, object?>("server", server));
        _barrierFailures.Add(1);
    }
}
