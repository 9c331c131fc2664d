using Google.Protobuf;
using Metrics.Contracts.TensorBoard;

namespace Metrics.Client.Internal;

/// <summary>Where a <see cref="SummaryWriter"/>'s points go: the ingest service or local event files.</summary>
internal abstract class SummarySink
{
    public abstract SummaryWriterStatistics Statistics { get; }

    public abstract void AddScalar(string tag, long step, double wallTime, double value);

    /// <summary>A scalar with the metadata an event file gave its tag (display name, description, plugin content).</summary>
    public abstract void AddScalar(string tag, long step, double wallTime, double value, SummaryMetadata metadata);

    public abstract void AddTensor(string tag, long step, double wallTime, TensorProto tensor, SummaryMetadata metadata);

    /// <summary>A blob-sequence point: <paramref name="blobs"/> as the server stores them, <paramref name="tensor"/> as an event file holds them.</summary>
    public abstract void AddBlobs(string tag, long step, double wallTime, IReadOnlyList<ByteString> blobs, TensorProto tensor, SummaryMetadata metadata);

    public abstract void AddGraph(long step, double wallTime, ByteString graphDef);

    public abstract void SetHParams(IReadOnlyDictionary<string, Metrics.Contracts.V1.HParamValue> hparams, IReadOnlyList<string> metrics);

    public abstract void MarkRestart(long step, double wallTime);

    public abstract void Flush();

    public abstract Task FlushAsync(CancellationToken cancellationToken);

    public abstract Task<SummaryWriterCloseResult> CloseAsync(CancellationToken cancellationToken);
}
