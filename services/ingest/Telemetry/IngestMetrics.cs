using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Metrics.Ingest.Telemetry;

/// <summary>The "Metrics.Ingest" meter: points by kind, batches, commit latency, queue depth, rejections by reason.</summary>
internal sealed class IngestMetrics
{
    public const string Name = "Metrics.Ingest";

    /// <summary>Traces of commits and run openings.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _points;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitBatches;
    private readonly UpDownCounter<long> _streams;
    private long _queuedBatches;
    private long _queuedBytes;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _points = meter.CreateCounter<long>("metrics.ingest.points", "{point}", "Points committed, by kind (scalar, tensor, blob).");
        _batches = meter.CreateCounter<long>("metrics.ingest.batches", "{batch}", "Batches acked, by outcome (committed, duplicate).");
        _rejected = meter.CreateCounter<long>("metrics.ingest.batches.rejected", "{batch}", "Batches refused, by reason.");
        _commitDuration = meter.CreateHistogram<double>("metrics.ingest.commit.duration", "s", "Time of one group commit, retries included.");
        _commitBatches = meter.CreateHistogram<long>("metrics.ingest.commit.batches", "{batch}", "Batches coalesced into one commit.");
        _streams = meter.CreateUpDownCounter<long>("metrics.ingest.streams", "{stream}", "Open Write streams.");
        meter.CreateObservableGauge("metrics.ingest.queue.batches", () => Interlocked.Read(ref _queuedBatches), "{batch}", "Batches waiting for commit.");
        meter.CreateObservableGauge("metrics.ingest.queue.bytes", () => Interlocked.Read(ref _queuedBytes), "By", "Bytes of batches waiting for commit.");
    }

    public void Committed(long scalars, long tensors, long blobs, int committed, int duplicates)
    {
        _points.Add(scalars, new KeyValuePair<string, object?>("kind", "scalar"));
        _points.Add(tensors, new KeyValuePair<string, object?>("kind", "tensor"));
        _points.Add(blobs, new KeyValuePair<string, object?>("kind", "blob"));
        _batches.Add(committed, new KeyValuePair<string, object?>("outcome", "committed"));
        _batches.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
    }

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CommitFinished(TimeSpan duration, int batches)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _commitBatches.Record(batches);
    }

    public void Queued(long bytes)
    {
        Interlocked.Increment(ref _queuedBatches);
        Interlocked.Add(ref _queuedBytes, bytes);
    }

    public void Dequeued(long bytes)
    {
        Interlocked.Decrement(ref _queuedBatches);
        Interlocked.Add(ref _queuedBytes, -bytes);
    }

    public void StreamOpened() => _streams.Add(1);

    public void StreamClosed() => _streams.Add(-1);
}
