using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard.Internal;

namespace Metrics.TensorBoard;

/// <summary>
/// Writes one run's TensorBoard event file, as TensorBoard's own <c>EventFileWriter</c> does.
/// <list type="bullet">
/// <item>File name <c>events.out.tfevents.&lt;10-digit unix secs&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;&lt;suffix&gt;</c>;
/// the first record is <c>file_version = "brain.Event:2"</c>.</item>
/// <item><see cref="SummaryMetadata"/> is kept only on the first value of each tag in a file.</item>
/// <item>Events are buffered until <see cref="EventFileWriterOptions.MaxQueue"/> events or
/// <see cref="EventFileWriterOptions.FlushInterval"/>, whichever comes first; <see cref="Flush"/>
/// hands them to the OS, <see cref="FlushAndSync"/> also fsyncs and returns the durable length.
/// Only whole records are ever written, so a flushed file never ends in a torn record.</item>
/// <item><see cref="Dispose"/> flushes and fsyncs. <see cref="Rotate"/> continues in a new file.</item>
/// <item>An exporter restarting after a crash reopens its file with <see cref="Append"/>, which cuts
/// the file back to the length it recorded after the last fsync.</item>
/// </list>
/// Scalars take a hand-rolled encoder (no allocation per event). Thread-safe.
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    /// <summary>The file version TensorBoard's readers expect in the first record.</summary>
    public const string FileVersion = "brain.Event:2";

    private static int s_fileCounter = -1;
    private static readonly byte[] DefaultScalarMetadata = SummaryMetadataFactory.Scalars().ToByteArray();

    private readonly Lock _lock = new();
    private readonly EventFileWriterOptions _options;
    private readonly string _directory;
    private const int RecentTagSlots = 16;

    private readonly Dictionary<string, TagState> _tags = new(StringComparer.Ordinal);
    private readonly (string? Tag, TagState? State)[] _recentTags = new (string?, TagState?)[RecentTagSlots];
    private readonly ITimer? _timer;
    private FileStream _file;
    private byte[] _buffer;
    private int _buffered;
    private int _pendingEvents;
    private int _generation;
    private bool _disposed;

    private EventFileWriter(string directory, FileStream file, EventFileWriterOptions options)
    {
        _directory = directory;
        _options = options;
        _file = file;
        _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        if (options.FlushInterval > TimeSpan.Zero)
        {
            _timer = options.TimeProvider.CreateTimer(static state => ((EventFileWriter)state!).OnTimer(), this, options.FlushInterval, options.FlushInterval);
        }
    }

    /// <summary>The file being written.</summary>
    public string FilePath => _file.Name;

    /// <summary>Bytes of the file handed to the OS so far (always at a record boundary).</summary>
    public long Length { get; private set; }

    /// <summary>Bytes of the file known to be on disk after the last fsync.</summary>
    public long DurableLength { get; private set; }

    /// <summary>Events buffered and not yet handed to the OS.</summary>
    public int PendingEvents
    {
        get
        {
            lock (_lock)
            {
                return _pendingEvents;
            }
        }
    }

    /// <summary>Creates a new event file in <paramref name="directory"/> (created if absent).</summary>
    public static EventFileWriter Create(string directory, EventFileWriterOptions? options = null)
    {
        options ??= new EventFileWriterOptions();
        Directory.CreateDirectory(directory);
        var file = CreateNewFile(directory, options);
        var writer = new EventFileWriter(directory, file, options);
        writer.WriteFileVersion();
        return writer;
    }

    /// <summary>
    /// Reopens an existing event file after a crash: cuts it to <paramref name="durableLength"/>
    /// (what was recorded after the last fsync) and appends from there. Tags whose metadata is
    /// already in the kept part are not given it again.
    /// </summary>
    public static EventFileWriter Append(string path, long durableLength, EventFileWriterOptions? options = null)
    {
        options ??= new EventFileWriterOptions();
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
        });
        try
        {
            if (durableLength > file.Length)
            {
                throw new IOException("Cannot append to " + path + ": it is shorter than the recorded length " + durableLength.ToString(CultureInfo.InvariantCulture));
            }

            file.SetLength(durableLength);
            file.Flush(flushToDisk: true);
            var writer = new EventFileWriter(Path.GetDirectoryName(Path.GetFullPath(path))!, file, options)
            {
                Length = durableLength,
                DurableLength = durableLength,
            };
            writer.LoadTagsWithMetadata(path, durableLength);
            file.Seek(durableLength, SeekOrigin.Begin);
            if (durableLength == 0)
            {
                writer.WriteFileVersion();
            }

            return writer;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a scalar (rank-0 DT_FLOAT tensor). <paramref name="metadata"/> defaults to plugin
    /// <c>scalars</c>; it is written with the tag's first value in the file only.
    /// </summary>
    public void WriteScalar(string tag, long step, float value, double wallTime, SummaryMetadata? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tag);
        lock (_lock)
        {
            ThrowIfDisposed();
            var state = GetTag(tag);
            var withMetadata = state.MetadataGeneration != _generation;
            var meta = withMetadata ? (metadata is null ? DefaultScalarMetadata : metadata.ToByteArray()) : [];
            var size = ScalarEventSize(state.Utf8.Length, step, wallTime, withMetadata ? meta.Length : -1);
            var record = Reserve((int)TfRecord.RecordLength(size));
            EncodeScalarEvent(record[TfRecord.HeaderLength..], state.Utf8, step, wallTime, value, withMetadata ? meta : null);
            _buffered += TfRecord.Seal(record, size);
            state.MetadataGeneration = _generation;
            EventAdded();
        }
    }

    /// <summary>
    /// Writes one summary value (any plugin). Its metadata, if any, is dropped when the tag
    /// already has metadata in this file.
    /// </summary>
    public void WriteValue(long step, double wallTime, Summary.Types.Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            ThrowIfDisposed();
            var state = GetTag(value.Tag);
            var keepMetadata = value.Metadata is not null && state.MetadataGeneration != _generation;
            var written = value;
            if (value.Metadata is not null && !keepMetadata)
            {
                written = value.Clone();
                written.Metadata = null;
            }

            var ev = new Event { Step = step, WallTime = wallTime, Summary = new Summary { Value = { written } } };
            AppendEvent(ev);
            if (keepMetadata)
            {
                state.MetadataGeneration = _generation;
            }

            EventAdded();
        }
    }

    /// <summary>Writes a tensor value of any plugin (metadata kept on the tag's first value in the file).</summary>
    public void WriteTensor(string tag, long step, double wallTime, TensorProto tensor, SummaryMetadata? metadata) =>
        WriteValue(step, wallTime, new Summary.Types.Value { Tag = tag, Tensor = tensor, Metadata = metadata });

    /// <summary>Writes a SessionLog START: TensorBoard drops the run's points at step ≥ <paramref name="step"/> seen before.</summary>
    public void WriteSessionStart(long step, double wallTime) =>
        WriteEvent(new Event { Step = step, WallTime = wallTime, SessionLog = new SessionLog { Status = SessionLog.Types.SessionStatus.Start } });

    /// <summary>Writes the run graph (a serialized GraphDef) as <c>Event.graph_def</c>.</summary>
    public void WriteGraph(long step, double wallTime, ByteString graphDef) =>
        WriteEvent(new Event { Step = step, WallTime = wallTime, GraphDef = graphDef });

    /// <summary>Writes an event as is (no metadata handling).</summary>
    public void WriteEvent(Event ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        lock (_lock)
        {
            ThrowIfDisposed();
            AppendEvent(ev);
            EventAdded();
        }
    }

    /// <summary>Hands buffered events to the OS (no fsync). Returns <see cref="Length"/>.</summary>
    public long Flush()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            FlushBuffer();
            return Length;
        }
    }

    /// <summary>Flushes and fsyncs; returns the durable length, safe to record as progress.</summary>
    public long FlushAndSync()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            FlushBuffer();
            _file.Flush(flushToDisk: true);
            DurableLength = Length;
            return DurableLength;
        }
    }

    /// <summary>Flushes, fsyncs and closes the current file, then continues in a new one.</summary>
    public void Rotate()
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            FlushBuffer();
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _file = CreateNewFile(_directory, _options);
            Length = 0;
            DurableLength = 0;
            _generation++;
            WriteFileVersion();
        }
    }

    /// <summary>Flushes, fsyncs and closes the file.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _timer?.Dispose();
            try
            {
                FlushBuffer();
                _file.Flush(flushToDisk: true);
                DurableLength = Length;
            }
            finally
            {
                _file.Dispose();
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
                _disposed = true;
            }
        }
    }

    /// <summary>
    /// Closes the file without handing it the events still buffered: for a writer whose file may no
    /// longer be its own (the exporter's fencing), where bytes after the last record must not land.
    /// </summary>
    public void Abandon()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _timer?.Dispose();
            _file.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _buffered = 0;
            _pendingEvents = 0;
            _disposed = true;
        }
    }

    /// <summary>The TensorBoard file name for a writer started at <paramref name="time"/>.</summary>
    public static string FileName(DateTimeOffset time, string host, int processId, int counter, string suffix = "") =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"events.out.tfevents.{time.ToUnixTimeSeconds():D10}.{host}.{processId}.{counter}{suffix}");

    internal static int ScalarEventSize(int tagLength, long step, double wallTime, int metadataLength)
    {
        const int TensorLength = 10; // dtype(2) + empty shape(2) + packed float_val(6)
        var value = 1 + ProtoWire.VarintSize((ulong)tagLength) + tagLength + 1 + 1 + TensorLength;
        if (metadataLength >= 0)
        {
            value += 1 + ProtoWire.VarintSize((ulong)metadataLength) + metadataLength;
        }

        var summary = 1 + ProtoWire.VarintSize((ulong)value) + value;
        var size = 1 + ProtoWire.VarintSize((ulong)summary) + summary;
        if (wallTime != 0 || double.IsNegative(wallTime))
        {
            size += 9;
        }

        if (step != 0)
        {
            size += 1 + ProtoWire.VarintSize((ulong)step);
        }

        return size;
    }

    // Event{wall_time=1, step=2, summary=5{value=1{tag=1, metadata=9, tensor=8{dtype=1, tensor_shape=2, float_val=5}}}}
    internal static void EncodeScalarEvent(Span<byte> dst, ReadOnlySpan<byte> tagUtf8, long step, double wallTime, float value, byte[]? metadata)
    {
        const int TensorLength = 10;
        var valueLength = 1 + ProtoWire.VarintSize((ulong)tagUtf8.Length) + tagUtf8.Length + 1 + 1 + TensorLength;
        if (metadata is not null)
        {
            valueLength += 1 + ProtoWire.VarintSize((ulong)metadata.Length) + metadata.Length;
        }

        var summaryLength = 1 + ProtoWire.VarintSize((ulong)valueLength) + valueLength;
        var p = 0;
        if (wallTime != 0 || double.IsNegative(wallTime))
        {
            dst[p++] = 0x09;
            BinaryPrimitives.WriteDoubleLittleEndian(dst[p..], wallTime);
            p += 8;
        }

        if (step != 0)
        {
            dst[p++] = 0x10;
            p += ProtoWire.WriteVarint(dst[p..], (ulong)step);
        }

        dst[p++] = 0x2A;
        p += ProtoWire.WriteVarint(dst[p..], (ulong)summaryLength);
        dst[p++] = 0x0A;
        p += ProtoWire.WriteVarint(dst[p..], (ulong)valueLength);
        dst[p++] = 0x0A;
        p += ProtoWire.WriteVarint(dst[p..], (ulong)tagUtf8.Length);
        tagUtf8.CopyTo(dst[p..]);
        p += tagUtf8.Length;
        if (metadata is not null)
        {
            dst[p++] = 0x4A;
            p += ProtoWire.WriteVarint(dst[p..], (ulong)metadata.Length);
            metadata.CopyTo(dst[p..]);
            p += metadata.Length;
        }

        dst[p++] = 0x42;
        dst[p++] = TensorLength;
        dst[p++] = 0x08;
        dst[p++] = (byte)DataType.DtFloat;
        dst[p++] = 0x12;
        dst[p++] = 0x00;
        dst[p++] = 0x2A;
        dst[p++] = 0x04;
        BinaryPrimitives.WriteSingleLittleEndian(dst[p..], value);
    }

    private static FileStream CreateNewFile(string directory, EventFileWriterOptions options)
    {
        var host = options.Host ?? Environment.MachineName;
        var pid = options.ProcessId ?? Environment.ProcessId;
        while (true)
        {
            var counter = Interlocked.Increment(ref s_fileCounter);
            var path = Path.Combine(directory, FileName(options.TimeProvider.GetUtcNow(), host, pid, counter, options.FilenameSuffix));
            try
            {
                return new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.Read | FileShare.Delete,
                    BufferSize = 0,
                });
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another writer took this name in the same second; the counter moves on.
            }
        }
    }

    private void WriteFileVersion()
    {
        var ev = new Event
        {
            WallTime = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            FileVersion = FileVersion,
        };
        AppendEvent(ev);
        FlushBuffer();
    }

    private void LoadTagsWithMetadata(string path, long length)
    {
        using var stream = TfRecordReader.OpenShared(path);
        using var reader = new TfRecordReader(stream, path);
        while (reader.Offset < length && reader.TryReadRecord(out var data))
        {
            var ev = Event.Parser.ParseFrom(data);
            if (ev.WhatCase != Event.WhatOneofCase.Summary)
            {
                continue;
            }

            foreach (var value in ev.Summary.Value)
            {
                if (value.Metadata is not null)
                {
                    GetTag(value.Tag).MetadataGeneration = _generation;
                }
            }
        }
    }

    private TagState GetTag(string tag)
    {
        // Callers pass the same string instances again and again (a series' tag, a literal), so an
        // identity-hashed slot answers before the dictionary has to hash and compare characters.
        ref var recent = ref _recentTags[RuntimeHelpers.GetHashCode(tag) & (RecentTagSlots - 1)];
        if (ReferenceEquals(recent.Tag, tag))
        {
            return recent.State!;
        }

        if (!_tags.TryGetValue(tag, out var state))
        {
            state = new TagState(Encoding.UTF8.GetBytes(tag)) { MetadataGeneration = -1 };
            _tags.Add(tag, state);
        }

        recent = (tag, state);
        return state;
    }

    private void AppendEvent(Event ev)
    {
        var size = ev.CalculateSize();
        var record = Reserve((int)TfRecord.RecordLength(size));
        ev.WriteTo(record.Slice(TfRecord.HeaderLength, size));
        _buffered += TfRecord.Seal(record, size);
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - _buffered < size)
        {
            if (_buffered > 0 && _buffered + size > _options.MaxBufferedBytes)
            {
                WriteBuffered();
            }

            if (_buffer.Length - _buffered < size)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _buffered + size));
                _buffer.AsSpan(0, _buffered).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
        }

        return _buffer.AsSpan(_buffered, size);
    }

    // The flush interval is kept by the timer, which flushes whatever is pending when it fires:
    // reading the clock on every event cost as much as encoding a scalar.
    private void EventAdded()
    {
        if (++_pendingEvents >= _options.MaxQueue)
        {
            FlushBuffer();
        }
    }

    private void FlushBuffer()
    {
        WriteBuffered();
        _pendingEvents = 0;
    }

    private void WriteBuffered()
    {
        if (_buffered == 0)
        {
            return;
        }

        _file.Write(_buffer, 0, _buffered);
        Length += _buffered;
        _buffered = 0;
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (!_disposed && _pendingEvents > 0)
            {
                FlushBuffer();
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private sealed class TagState(byte[] utf8)
    {
        public byte[] Utf8 { get; } = utf8;

        public int MetadataGeneration { get; set; }
    }
}
