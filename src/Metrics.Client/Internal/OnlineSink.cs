using Google.Protobuf;
using Grpc.Net.Client;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;
using Microsoft.Extensions.Logging;
using V1DataClass = Metrics.Contracts.V1.DataClass;

namespace Metrics.Client.Internal;

/// <summary>
/// Streams points to the ingest service. Add* only appends to a columnar <see cref="PointBuffer"/>
/// under a cheap lock; the pump task numbers cut buffers into batches and stores them in
/// <see cref="PendingBatches"/> (memory, spilling to the journal); the connection task opens the run,
/// streams batches in seq order, resends after reconnects and drops what the server acknowledged.
/// </summary>
internal sealed partial class OnlineSink : SummarySink, IDisposable
{
    private static readonly SummaryMetadata ScalarMetadata = Metrics.TensorBoard.SummaryMetadataFactory.Scalars();

    private readonly Lock _lock = new();
    private readonly SummaryWriterOptions _options;
    private readonly ILogger _logger;
    private readonly string _runName;
    private readonly string _writerId;
    private readonly PendingBatches _store;
    private readonly Pulse _pulse = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Queue<PointBuffer> _sealed = new();
    private readonly Dictionary<string, V1DataClass> _tags = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly GrpcChannel _channel;
    private readonly ITimer? _flushTimer;
    private readonly Task _pump;
    private readonly Task _connection;
    private PointBuffer _buffer = new();
    private string? _lastScalarTag;
    private long _pointsAdded;
    private long _sealedCount;
    private long _numberedCount;
    private int _wakePending;
    private volatile bool _closing;
    private SummaryWriterException? _fault;
    private SummaryWriterCloseResult? _closed;

    public OnlineSink(SummaryWriterOptions options, string writerId, bool writerIdIsNew, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _runName = options.RunName;
        _writerId = writerId;
        var journal = new BatchJournal(JournalFolder(options, writerId), logger);
        _store = new PendingBatches(journal, options.MaxMemoryBytes);
        var recovered = _store.Recover();
        if (recovered > 0)
        {
            ClientLog.Recovered(logger, journal.Count, _runName, writerId);
        }

        // Numbering starts at once: a journal tells where it stands; without one the writer numbers
        // from 1 and, if the server already holds batches of this (pinned) id, shifts what it has not
        // sent yet when the first OpenRun answers.
        _mayRenumber = recovered == 0 && !writerIdIsNew;

        _channel = GrpcChannel.ForAddress(options.Server!, new GrpcChannelOptions
        {
            HttpHandler = options.HttpHandler ?? new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(15),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            },
            MaxReceiveMessageSize = 16 << 20,
            MaxSendMessageSize = null,
        });
        _client = new Ingest.IngestClient(_channel);
        if (options.FlushInterval > TimeSpan.Zero && options.FlushInterval != Timeout.InfiniteTimeSpan)
        {
            _flushTimer = options.TimeProvider.CreateTimer(static state => ((OnlineSink)state!).Flush(), this, options.FlushInterval, options.FlushInterval);
        }

        _pump = Task.Run(PumpAsync);
        _connection = Task.Run(ConnectionLoopAsync);
    }

    public override SummaryWriterStatistics Statistics
    {
        get
        {
            var figures = default(PendingFigures);
            _store.FillStatistics(ref figures);
            return new SummaryWriterStatistics
            {
                PointsAdded = Interlocked.Read(ref _pointsAdded),
                LastSequence = figures.LastSeq,
                LastAcknowledged = figures.Acknowledged,
                MemoryBytes = figures.MemoryBytes,
                PeakMemoryBytes = figures.PeakMemoryBytes,
                JournalBatches = figures.JournalBatches,
                JournalBytes = figures.JournalBytes,
                BatchesSpilled = figures.Spilled,
                BatchesSent = Interlocked.Read(ref _batchesSent),
                BatchesResent = Interlocked.Read(ref _batchesResent),
                Reconnects = Interlocked.Read(ref _reconnects),
                ConnectionFailures = Interlocked.Read(ref _connectionFailures),
                LastConnectionError = _lastConnectionError,
                Connected = _connected,
                Fault = _fault?.Message,
            };
        }
    }

    public string JournalDirectory => _store.JournalDirectory;

    /// <summary>The journal folder of one writer of one run under the configured root.</summary>
    public static string JournalFolder(SummaryWriterOptions options, string writerId)
    {
        var root = options.JournalDirectory ?? DefaultJournalRoot();
        var key = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(options.RunName + "\n" + writerId));
        return Path.Combine(root, Convert.ToHexString(key, 0, 12).ToLowerInvariant());
    }

    public override void AddScalar(string tag, long step, double wallTime, double value)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            if (!ReferenceEquals(tag, _lastScalarTag))
            {
                EnsureTag(tag, ScalarMetadata);
                _lastScalarTag = tag;
            }

            _buffer.AddScalar(tag, step, wallTime, value);
            _pointsAdded++;
            AfterAdd();
        }
    }

    public override void AddTensor(string tag, long step, double wallTime, TensorProto tensor, SummaryMetadata metadata)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            EnsureTag(tag, metadata);
            _buffer.AddTensor(new TensorPoint { Tag = tag, Step = step, WallTime = wallTime, Tensor = tensor });
            _pointsAdded++;
            AfterAdd();
        }
    }

    public override void AddBlobs(string tag, long step, double wallTime, IReadOnlyList<ByteString> blobs, TensorProto tensor, SummaryMetadata metadata)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            EnsureTag(tag, metadata);
            var point = new BlobPoint { Tag = tag, Step = step, WallTime = wallTime };
            foreach (var blob in blobs)
            {
                if (blob.Length <= BlobRefs.InlineLimit)
                {
                    point.Blobs.Add(new BlobRef { Data = blob });
                    continue;
                }

                // Large blobs travel as chunks in this or earlier batches, each batch staying small.
                var chunked = BlobRefs.Describe(blob);
                for (var offset = 0; offset < blob.Length; offset += BlobRefs.ChunkSize)
                {
                    var length = Math.Min(BlobRefs.ChunkSize, blob.Length - offset);
                    _buffer.AddChunk(new BlobChunk { Sha256 = chunked.Sha256, Offset = offset, Data = ByteString.CopyFrom(blob.Span.Slice(offset, length)) });
                    if (_buffer.Bytes >= _options.MaxBatchBytes)
                    {
                        SealLocked();
                    }
                }

                point.Blobs.Add(new BlobRef { Chunked = chunked });
            }

            _buffer.AddBlobs(point);
            _pointsAdded++;
            AfterAdd();
        }
    }

    public override void AddGraph(long step, double wallTime, ByteString graphDef) =>
        AddBlobs(Metrics.TensorBoard.PluginNames.RunGraphTag, step, wallTime, [graphDef], Metrics.TensorBoard.TensorValues.Blobs([graphDef]), Metrics.TensorBoard.SummaryMetadataFactory.RunGraph());

    public override void MarkRestart(long step, double wallTime)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            SealLocked();
            _buffer.RestartAtStep = step;
            SealLocked();
        }
    }

    /// <summary>Hands everything added so far to the sender now (does not wait).</summary>
    public override void Flush()
    {
        lock (_lock)
        {
            SealLocked();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        long target;
        lock (_lock)
        {
            ThrowIfFaulted();
            SealLocked();
            target = _sealedCount;
        }

        await _pulse.WaitUntilAsync(() => _fault is not null || Interlocked.Read(ref _numberedCount) >= target, cancellationToken).ConfigureAwait(false);
        var seq = _store.LastSeq;
        await _pulse.WaitUntilAsync(() => _fault is not null || _store.Acknowledged >= seq, cancellationToken).ConfigureAwait(false);
        ThrowIfFaulted();
    }

    public override void AddScalar(string tag, long step, double wallTime, double value, SummaryMetadata metadata)
    {
        lock (_lock)
        {
            ThrowIfUnusable();
            EnsureTag(tag, metadata);
            _buffer.AddScalar(tag, step, wallTime, value);
            _pointsAdded++;
            AfterAdd();
        }
    }

    private void AfterAdd()
    {
        if (_buffer.Points >= _options.MaxBatchPoints || _buffer.Bytes >= _options.MaxBatchBytes)
        {
            SealLocked();
        }
        else if (_buffer.Points == _options.MaxQueue)
        {
            WakePump();
        }
    }

    private void EnsureTag(string tag, SummaryMetadata metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var dataClass = (V1DataClass)(int)metadata.DataClass;
        if (_tags.TryGetValue(tag, out var known))
        {
            if (known != dataClass)
            {
                throw new ArgumentException($"Tag '{tag}' already holds {known} data; it cannot take {dataClass} data.", nameof(tag));
            }

            return;
        }

        _tags.Add(tag, dataClass);
        _buffer.AddMetadata(new SeriesMetadata
        {
            Tag = tag,
            PluginName = metadata.PluginData?.PluginName ?? string.Empty,
            PluginContent = metadata.PluginData?.Content ?? ByteString.Empty,
            DataClass = dataClass,
            DisplayName = metadata.DisplayName,
            Description = metadata.SummaryDescription,
        });
    }

    private void SealLocked()
    {
        if (!_buffer.IsEmpty)
        {
            _sealed.Enqueue(_buffer);
            // The next buffer's columns start at the size this one reached (no regrowth under load).
            _buffer = new PointBuffer(Math.Clamp(_buffer.Points, 16, _options.MaxBatchPoints));
            _lastScalarTag = null;
            _sealedCount++;
        }

        WakePump();
    }

    private void WakePump()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            _wake.Release();
        }
    }

    private void ThrowIfUnusable()
    {
        ThrowIfFaulted();
        ObjectDisposedException.ThrowIf(_closed is not null, this);
    }

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new SummaryWriterException(fault.Message, fault);
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                Interlocked.Exchange(ref _wakePending, 0);
                lock (_lock)
                {
                    if (_buffer.Points > 0)
                    {
                        SealLocked();
                        Interlocked.Exchange(ref _wakePending, 0);
                    }
                }

                NumberSealed();
                if (_closing && SealedEmpty())
                {
                    return;
                }

                await _wake.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private bool SealedEmpty()
    {
        lock (_lock)
        {
            return _sealed.Count == 0 && _buffer.IsEmpty;
        }
    }

    private void NumberSealed()
    {
        while (true)
        {
            PointBuffer buffer;
            lock (_lock)
            {
                if (!_sealed.TryPeek(out buffer!))
                {
                    return;
                }
            }

            _store.AddNext(buffer);
            lock (_lock)
            {
                _sealed.Dequeue();
            }

            Interlocked.Increment(ref _numberedCount);
            _pulse.Fire();
        }
    }

    private static string DefaultJournalRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "metrics", "journal");
    }
}
