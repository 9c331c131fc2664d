using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;
using Metrics.TensorBoard;

namespace Metrics.Client.Internal;

/// <summary>Offline mode: TensorBoard event files in <c>LogDirectory/RunName</c>, written by <see cref="EventFileWriter"/>.</summary>
internal sealed class OfflineSink : SummarySink
{
    private readonly EventFileWriter _writer;
    private readonly TimeProvider _time;
    private long _points;
    private bool _closed;

    public OfflineSink(SummaryWriterOptions options)
    {
        _time = options.TimeProvider;
        var directory = Path.Combine(options.LogDirectory!, options.RunName.Replace('/', Path.DirectorySeparatorChar));
        _writer = EventFileWriter.Create(directory, new EventFileWriterOptions
        {
            MaxQueue = options.MaxQueue,
            FlushInterval = options.FlushInterval,
            TimeProvider = options.TimeProvider,
        });
        if (options.RestartAtStep is { } restart)
        {
            MarkRestart(restart, WallTimes.Now(_time));
        }
    }

    public string FilePath => _writer.FilePath;

    public override SummaryWriterStatistics Statistics => new() { PointsAdded = Interlocked.Read(ref _points) };

    public override void AddScalar(string tag, long step, double wallTime, double value)
    {
        _writer.WriteScalar(tag, step, (float)value, wallTime);
        Interlocked.Increment(ref _points);
    }

    public override void AddScalar(string tag, long step, double wallTime, double value, SummaryMetadata metadata)
    {
        _writer.WriteScalar(tag, step, (float)value, wallTime, metadata);
        Interlocked.Increment(ref _points);
    }

    public override void AddTensor(string tag, long step, double wallTime, TensorProto tensor, SummaryMetadata metadata)
    {
        _writer.WriteTensor(tag, step, wallTime, tensor, metadata);
        Interlocked.Increment(ref _points);
    }

    public override void AddBlobs(string tag, long step, double wallTime, IReadOnlyList<ByteString> blobs, TensorProto tensor, SummaryMetadata metadata) =>
        AddTensor(tag, step, wallTime, tensor, metadata);

    public override void AddGraph(long step, double wallTime, ByteString graphDef)
    {
        _writer.WriteGraph(step, wallTime, graphDef);
        Interlocked.Increment(ref _points);
    }

    public override void SetHParams(IReadOnlyDictionary<string, HParamValue> hparams, IReadOnlyList<string> metrics)
    {
        // Event files carry hyperparameters only as the hparams plugin's summaries (written by the caller).
    }

    // TensorBoard purges on the second SessionLog START of a run; two STARTs at the step make this a
    // restart whether or not an earlier file of the run had one.
    public override void MarkRestart(long step, double wallTime)
    {
        _writer.WriteSessionStart(step, wallTime);
        _writer.WriteSessionStart(step, wallTime);
    }

    public override void Flush() => _writer.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        _writer.FlushAndSync();
        return Task.CompletedTask;
    }

    public override Task<SummaryWriterCloseResult> CloseAsync(CancellationToken cancellationToken)
    {
        if (!_closed)
        {
            _closed = true;
            _writer.Dispose();
        }

        return Task.FromResult(new SummaryWriterCloseResult());
    }
}
