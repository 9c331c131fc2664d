using System.Globalization;
using Google.Protobuf;
using Metrics.Client.Internal;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;
using Microsoft.Extensions.Logging;

namespace Metrics.Client;

/// <summary>
/// Writes TensorBoard summaries of one run, in the spirit of <c>torch.utils.tensorboard.SummaryWriter</c>:
/// scalars, histograms, images, audio, text, the model graph and hyperparameters.
/// <para>
/// Online (<see cref="SummaryWriterOptions.Server"/> set), every <c>Add*</c> call only appends to an
/// in-memory buffer and returns; a background sender streams numbered batches to the ingest service,
/// resends what was not acknowledged after a reconnect, and spills to an on-disk journal when memory
/// is full or the server is unreachable, so an outage neither blocks training nor loses points.
/// Offline (only <see cref="SummaryWriterOptions.LogDirectory"/>), the same calls write TensorBoard
/// event files; <c>metrics upload</c> sends them later.
/// </para>
/// <para>All members are thread-safe. Dispose with <c>await using</c>: it waits for the server's
/// acknowledgements up to <see cref="SummaryWriterOptions.DisposeTimeout"/>.</para>
/// </summary>
public sealed partial class SummaryWriter : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly Lock _hparamsLock = new();
    private readonly Dictionary<string, Contracts.V1.HParamValue> _hparams = new(StringComparer.Ordinal);

    /// <summary>Creates a writer and starts its background sender (no network call happens here).</summary>
    /// <param name="options">Where to write and how to buffer.</param>
    /// <exception cref="ArgumentException">The run name is missing or neither a server nor a log directory is given.</exception>
    public SummaryWriter(SummaryWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (RunNameProblem(options.RunName) is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxQueue);
        _time = options.TimeProvider;
        RunName = options.RunName;
        if (options.Server is not null)
        {
            var isNew = string.IsNullOrEmpty(options.WriterId);
            WriterId = isNew ? NewWriterId(_time) : options.WriterId!;
            ILogger logger = options.LoggerFactory is { } factory ? factory.CreateLogger<SummaryWriter>() : StandardErrorLogger.Instance;
            Sink = new OnlineSink(options, WriterId, isNew, logger);
        }
        else if (!string.IsNullOrEmpty(options.LogDirectory))
        {
            Sink = new OfflineSink(options);
        }
        else
        {
            throw new ArgumentException("Set SummaryWriterOptions.Server (online) or SummaryWriterOptions.LogDirectory (offline).", nameof(options));
        }
    }

    /// <summary>The run this writer writes.</summary>
    public string RunName { get; }

    /// <summary>This writer's id (online only; null offline).</summary>
    public string? WriterId { get; }

    /// <summary>True when writing local event files instead of streaming to a server.</summary>
    public bool IsOffline => Sink is OfflineSink;

    /// <summary>The writer's counters now: points added, batches acknowledged, memory and journal use.</summary>
    public SummaryWriterStatistics Statistics => Sink.Statistics;

    internal SummarySink Sink { get; }

    /// <summary>Adds a scalar point (TensorBoard's scalars plugin).</summary>
    /// <param name="tag">The series name, e.g. <c>train/loss</c>.</param>
    /// <param name="value">The value (NaN and infinities are kept).</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When it was measured; now when null.</param>
    public void AddScalar(string tag, double value, long step, DateTimeOffset? wallTime = null) =>
        Sink.AddScalar(tag, step, Wall(wallTime), value);

    /// <summary>Adds several scalars at one step, each as tag <c>mainTag/key</c>.</summary>
    /// <param name="mainTag">The common prefix of the tags.</param>
    /// <param name="values">The values by sub-tag.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When they were measured; now when null.</param>
    public void AddScalars(string mainTag, IReadOnlyDictionary<string, double> values, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var wall = Wall(wallTime);
        foreach (var (key, value) in values)
        {
            Sink.AddScalar(mainTag + "/" + key, step, wall, value);
        }
    }

    /// <summary>Adds a histogram of raw values, bucketed as TensorBoard does (equal-width buckets between min and max).</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="values">The raw values (non-finite ones are left out).</param>
    /// <param name="step">The training step.</param>
    /// <param name="bucketCount">Number of buckets (TensorBoard's default is 30).</param>
    /// <param name="wallTime">When it was measured; now when null.</param>
    public void AddHistogram(string tag, ReadOnlySpan<double> values, long step, int bucketCount = HistogramBuckets.DefaultBucketCount, DateTimeOffset? wallTime = null) =>
        AddHistogramBuckets(tag, HistogramBuckets.Compute(values, bucketCount), step, wallTime);

    /// <summary>Adds a histogram from precomputed buckets.</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="buckets">The buckets, left to right.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When it was measured; now when null.</param>
    public void AddHistogramBuckets(string tag, IReadOnlyList<HistogramBucket> buckets, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var tensor = new TensorProto { Dtype = DataType.DtDouble, TensorShape = Shape(buckets.Count, 3) };
        foreach (var bucket in buckets)
        {
            tensor.DoubleVal.Add(bucket.Left);
            tensor.DoubleVal.Add(bucket.Right);
            tensor.DoubleVal.Add(bucket.Count);
        }

        Sink.AddTensor(tag, step, Wall(wallTime), tensor, SummaryMetadataFactory.Histograms());
    }

    /// <summary>Adds an image given as PNG bytes.</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="png">A PNG file.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When it was made; now when null.</param>
    /// <exception cref="ArgumentException">The bytes are not a PNG.</exception>
    public void AddImage(string tag, ReadOnlySpan<byte> png, long step, DateTimeOffset? wallTime = null)
    {
        if (!PngEncoder.TryReadSize(png, out var width, out var height))
        {
            throw new ArgumentException("Not a PNG image (no PNG signature and IHDR chunk).", nameof(png));
        }

        var blobs = new[]
        {
            ByteString.CopyFromUtf8(width.ToString(CultureInfo.InvariantCulture)),
            ByteString.CopyFromUtf8(height.ToString(CultureInfo.InvariantCulture)),
            ByteString.CopyFrom(png),
        };
        Sink.AddBlobs(tag, step, Wall(wallTime), blobs, TensorValues.Blobs(blobs), SummaryMetadataFactory.Images());
    }

    /// <summary>Adds an image given as raw 8-bit pixels (row-major), encoded to PNG.</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="pixels">width × height × channels bytes.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="format">Gray, RGB or RGBA.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When it was made; now when null.</param>
    public void AddImagePixels(string tag, ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, long step, DateTimeOffset? wallTime = null) =>
        AddImage(tag, PngEncoder.Encode(pixels, width, height, format), step, wallTime);

    /// <summary>Adds an audio clip from PCM float samples in [-1, 1] (interleaved when several channels), encoded as 16-bit WAV.</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="samples">The samples.</param>
    /// <param name="sampleRate">Samples per second per channel.</param>
    /// <param name="step">The training step.</param>
    /// <param name="channels">Number of interleaved channels.</param>
    /// <param name="label">A markdown label shown beside the clip in event files.</param>
    /// <param name="wallTime">When it was made; now when null.</param>
    public void AddAudio(string tag, ReadOnlySpan<float> samples, int sampleRate, long step, int channels = 1, string label = "", DateTimeOffset? wallTime = null)
    {
        var wav = ByteString.CopyFrom(WavEncoder.Encode(samples, sampleRate, channels));
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = Shape(1, 2), StringVal = { wav, ByteString.CopyFromUtf8(label ?? string.Empty) } };
        Sink.AddBlobs(tag, step, Wall(wallTime), [wav], tensor, SummaryMetadataFactory.Audio());
    }

    /// <summary>Adds a text point (markdown, shown by TensorBoard's text plugin).</summary>
    /// <param name="tag">The series name.</param>
    /// <param name="markdown">The text.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">When it was written; now when null.</param>
    public void AddText(string tag, string markdown, long step, DateTimeOffset? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto(), StringVal = { ByteString.CopyFromUtf8(markdown) } };
        Sink.AddTensor(tag, step, Wall(wallTime), tensor, SummaryMetadataFactory.Text());
    }

    /// <summary>Adds the model graph: a serialized TensorFlow <c>GraphDef</c>, shown by TensorBoard's graph dashboard.</summary>
    /// <param name="graphDef">The serialized GraphDef.</param>
    /// <param name="step">The step it belongs to (usually 0).</param>
    /// <param name="wallTime">When it was made; now when null.</param>
    public void AddGraph(ReadOnlySpan<byte> graphDef, long step = 0, DateTimeOffset? wallTime = null) =>
        Sink.AddGraph(step, Wall(wallTime), ByteString.CopyFrom(graphDef));

    /// <summary>
    /// Records the run's hyperparameters and the metric tags to compare them by: stored with the
    /// run (merged over calls) and written as TensorBoard hparams plugin data (the dashboard shows
    /// the first call's set).
    /// </summary>
    /// <param name="hparams">Values: strings, booleans or numbers.</param>
    /// <param name="metricTags">Scalar tags that measure the run, e.g. <c>eval/accuracy</c>.</param>
    /// <exception cref="ArgumentException">A value is not a string, boolean or number.</exception>
    public void AddHParams(IReadOnlyDictionary<string, object> hparams, IEnumerable<string>? metricTags = null)
    {
        ArgumentNullException.ThrowIfNull(hparams);
        var metrics = metricTags?.ToList() ?? [];
        var values = new Dictionary<string, Contracts.V1.HParamValue>(StringComparer.Ordinal);
        foreach (var (name, value) in hparams)
        {
            values[name] = HParamSummaries.ToValue(name, value);
        }

        Dictionary<string, Contracts.V1.HParamValue> merged;
        lock (_hparamsLock)
        {
            foreach (var (name, value) in values)
            {
                _hparams[name] = value;
            }

            merged = new Dictionary<string, Contracts.V1.HParamValue>(_hparams, StringComparer.Ordinal);
        }

        Sink.SetHParams(values, metrics);
        var wall = WallTimes.Now(_time);
        foreach (var (tag, metadata) in HParamSummaries.Create(merged, metrics, wall))
        {
            Sink.AddTensor(tag, 0, wall, HParamSummaries.EmptyTensor(), metadata);
        }
    }

    /// <summary>
    /// Declares that training restarts at <paramref name="step"/> (resumed from a checkpoint): the
    /// run's points at that step or later written before this call are superseded, as TensorBoard
    /// does on a restart.
    /// </summary>
    /// <param name="step">The first step of the resumed training.</param>
    public void MarkRestart(long step) => Sink.MarkRestart(step, WallTimes.Now(_time));

    /// <summary>Hands everything added so far to the sender (or the event file) now; does not wait.</summary>
    public void Flush() => Sink.Flush();

    /// <summary>Waits until everything added before this call is durably committed by the server (or, offline, on disk).</summary>
    /// <param name="cancellationToken">Stops waiting (the points stay queued).</param>
    /// <exception cref="SummaryWriterException">The server refused the writer for good.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Sink.FlushAsync(cancellationToken);

    /// <summary>
    /// Sends what is buffered and waits for the acknowledgements up to
    /// <see cref="SummaryWriterOptions.DisposeTimeout"/>; what is left stays in the journal.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting early (what is left goes to the journal).</param>
    /// <returns>What was acknowledged and what is left in the journal.</returns>
    public Task<SummaryWriterCloseResult> CloseAsync(CancellationToken cancellationToken = default) => Sink.CloseAsync(cancellationToken);

    /// <summary>Closes the writer (<see cref="CloseAsync"/>); what could not be sent in time is logged and kept in the journal.</summary>
    /// <returns>A task that completes when the writer is closed.</returns>
    public async ValueTask DisposeAsync() => await CloseAsync(CancellationToken.None).ConfigureAwait(false);

    internal static string? RunNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "SummaryWriterOptions.RunName is required (a relative path such as \"mnist/lr-0.01/train\").";
        }

        if (name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Any(char.IsControl)
            || name.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            return $"Run name '{name}' must be a relative path of non-empty segments other than '.' and '..' (no backslashes or control characters).";
        }

        return null;
    }

    private static string NewWriterId(TimeProvider time) =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{time.GetUtcNow().ToUnixTimeMilliseconds()}-{Guid.NewGuid().ToString("N")[..8]}");

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dim { Size = dim });
        }

        return shape;
    }

    private double Wall(DateTimeOffset? wallTime) => wallTime is { } t ? WallTimes.Of(t) : WallTimes.Now(_time);
}
