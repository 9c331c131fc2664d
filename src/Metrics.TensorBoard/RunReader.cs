using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard.Internal;

namespace Metrics.TensorBoard;

/// <summary>
/// Reads one run (a folder of event files) incrementally, as TensorBoard's Python loader does.
/// <list type="bullet">
/// <item>Files whose name contains <c>tfevents</c> are read in name order; new files and growth
/// of the current one are picked up by calling <see cref="TryRead"/> again.</item>
/// <item>Values are converted v1 → v2 and given their data class (see docs/tensorboard.md); each
/// <see cref="RunItem"/> is a point with its series' metadata (the first the run gave for the tag),
/// or a purge: <see cref="RunItemKind.Restart"/> for a second SessionLog START (file_version 2),
/// <see cref="RunItemKind.TagsPurge"/> for a step going back in a file without file_version.</item>
/// <item>The run graph (<c>Event.graph_def</c>) is a blob-sequence point of plugin <c>graphs</c>,
/// tag <c>__run_graph__</c>.</item>
/// <item><see cref="Position"/> is where to resume in a later process; pass it back with the
/// metadata already known (<c>knownMetadata</c>) since a file gives a tag's metadata only once.</item>
/// <item>A damaged record ends the reading of its file (as TensorBoard does) and is listed in
/// <see cref="Problems"/>; a partial last record is waited for, not reported.</item>
/// </list>
/// Scalars without metadata take a no-allocation fast path. Not thread-safe.
/// </summary>
public sealed class RunReader : IDisposable
{
    private static readonly SummaryMetadata NoMetadata = new();

    private readonly Dictionary<string, SummaryMetadata> _metadata = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SummaryMetadata>.AlternateLookup<ReadOnlySpan<char>> _metadataLookup;
    private readonly Dictionary<string, SummaryMetadata> _fileInitialMetadata = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SummaryMetadata>.AlternateLookup<ReadOnlySpan<char>> _fileInitialLookup;
    private readonly Dictionary<string, string> _tagNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _tagNameLookup;
    private readonly Queue<RunItem> _pending = new();
    private readonly List<ReadProblem> _problems = [];
    private TfRecordReader? _reader;
    private string? _fileName;
    private long _recordStart;
    private bool _fileDamaged;
    private double? _fileVersion;
    private bool _seenSessionStart;
    private long _mostRecentStep = -1;
    private char[] _chars = new char[256];

    /// <summary>Reads the run in <paramref name="directory"/> from the start or from <paramref name="resumeFrom"/>.</summary>
    public RunReader(string runName, string directory, RunPosition? resumeFrom = null, IReadOnlyDictionary<string, SummaryMetadata>? knownMetadata = null)
    {
        RunName = runName;
        Directory = directory;
        _metadataLookup = _metadata.GetAlternateLookup<ReadOnlySpan<char>>();
        _fileInitialLookup = _fileInitialMetadata.GetAlternateLookup<ReadOnlySpan<char>>();
        _tagNameLookup = _tagNames.GetAlternateLookup<ReadOnlySpan<char>>();
        if (knownMetadata is not null)
        {
            foreach (var (tag, metadata) in knownMetadata)
            {
                _metadata[tag] = metadata;
            }
        }

        if (resumeFrom is { } position)
        {
            Open(position.FileName, position.Offset);
        }
    }

    public string RunName { get; }

    public string Directory { get; }

    /// <summary>Where to resume after the items returned so far (null before the first file is opened).</summary>
    public RunPosition? Position =>
        _fileName is null ? null : new RunPosition(_fileName, _pending.Count > 0 ? _recordStart : _reader!.Offset);

    /// <summary>The metadata of every tag seen so far (first given per tag).</summary>
    public IReadOnlyDictionary<string, SummaryMetadata> Metadata => _metadata;

    /// <summary>Damaged records and unreadable events found so far.</summary>
    public IReadOnlyList<ReadProblem> Problems => _problems;

    /// <summary>file_version of the run ("brain.Event:2" gives 2), if any file gave one.</summary>
    public double? FileVersion => _fileVersion;

    /// <summary>The next item, or false when everything written so far has been read.</summary>
    public bool TryRead(out RunItem item)
    {
        while (true)
        {
            if (_pending.TryDequeue(out item))
            {
                return true;
            }

            if (_reader is null && !OpenNextFile())
            {
                return false;
            }

            var start = _reader!.Offset;
            bool hasRecord;
            ReadOnlySpan<byte> record = default;
            try
            {
                hasRecord = !_fileDamaged && _reader.TryReadRecord(out record);
            }
            catch (TfRecordCorruptionException e)
            {
                _problems.Add(new ReadProblem(e.FilePath, e.Offset, e.Message));
                _fileDamaged = true;
                hasRecord = false;
            }

            if (!hasRecord)
            {
                if (!OpenNextFile())
                {
                    return false;
                }

                continue;
            }

            _recordStart = start;
            if (TryFastScalar(record, out item))
            {
                return true;
            }

            Event ev;
            try
            {
                ev = Event.Parser.ParseFrom(record);
            }
            catch (InvalidProtocolBufferException e)
            {
                _problems.Add(new ReadProblem(_reader.Path, start, "Unreadable event: " + e.Message));
                continue;
            }

            ProcessRaw(ev);
        }
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _reader = null;
    }

    private bool OpenNextFile()
    {
        var next = EventFiles.List(Directory)
            .Select(Path.GetFileName)
            .Where(name => _fileName is null || string.CompareOrdinal(name, _fileName) > 0)
            .FirstOrDefault();
        if (next is null)
        {
            return false;
        }

        _reader?.Dispose();
        Open(next, 0);
        return true;
    }

    private void Open(string fileName, long offset)
    {
        _reader = new TfRecordReader(Path.Combine(Directory, fileName), offset);
        _fileName = fileName;
        _recordStart = offset;
        _fileDamaged = false;
        _fileInitialMetadata.Clear();
    }

    private void ProcessRaw(Event ev)
    {
        if (ev.WhatCase == Event.WhatOneofCase.Summary)
        {
            var values = ev.Summary.Value;
            var migrated = new Summary();
            foreach (var value in values)
            {
                migrated.Value.Add(SummaryMigration.MigrateDataClass(SummaryMigration.MigrateLegacy(value), _fileInitialMetadata));
            }

            ev.Summary = migrated;
            Process(ev);
        }
        else if (ev.WhatCase == Event.WhatOneofCase.GraphDef)
        {
            Process(ev);
            var graph = new Summary.Types.Value
            {
                Tag = PluginNames.RunGraphTag,
                Metadata = SummaryMetadataFactory.RunGraph(),
                Tensor = TensorValues.Blobs([ev.GraphDef]),
            };
            Process(new Event { Step = ev.Step, WallTime = ev.WallTime, Summary = new Summary { Value = { graph } } });
        }
        else if (ev.WhatCase == Event.WhatOneofCase.TaggedRunMetadata)
        {
            var trm = ev.TaggedRunMetadata;
            var value = new Summary.Types.Value
            {
                Tag = trm.Tag,
                Metadata = SummaryMetadataFactory.Create("graph_tagged_run_metadata", ByteString.Empty, DataClass.BlobSequence),
                Tensor = TensorValues.Blobs([trm.RunMetadata]),
            };
            Process(new Event { Step = ev.Step, WallTime = ev.WallTime, Summary = new Summary { Value = { value } } });
        }
        else
        {
            Process(ev);
        }
    }

    private void Process(Event ev)
    {
        if (ev.WhatCase == Event.WhatOneofCase.FileVersion)
        {
            _fileVersion = ParseFileVersion(ev.FileVersion);
        }

        var isSummary = ev.WhatCase == Event.WhatOneofCase.Summary;
        if (_fileVersion is >= 2)
        {
            if (ev.WhatCase == Event.WhatOneofCase.SessionLog && ev.SessionLog.Status == SessionLog.Types.SessionStatus.Start)
            {
                if (_seenSessionStart)
                {
                    _pending.Enqueue(new RunItem(RunItemKind.Restart, default, ev.Step, ev.WallTime, null));
                }

                _seenSessionStart = true;
            }
        }
        else if (isSummary && ev.Step < _mostRecentStep)
        {
            var tags = ev.Summary.Value.Select(v => v.Tag).Distinct(StringComparer.Ordinal).ToArray();
            _pending.Enqueue(new RunItem(RunItemKind.TagsPurge, default, ev.Step, ev.WallTime, tags));
        }

        if (!isSummary)
        {
            return;
        }

        _mostRecentStep = ev.Step;
        foreach (var value in ev.Summary.Value)
        {
            if (value.Metadata is not null && !_metadata.ContainsKey(value.Tag))
            {
                _metadata[value.Tag] = value.Metadata;
            }

            if (value.ValueCase != Summary.Types.Value.ValueOneofCase.Tensor)
            {
                continue;
            }

            var tag = value.Tag.Length > 0 ? value.Tag : value.NodeName;
            var metadata = _metadata.GetValueOrDefault(tag) ?? NoMetadata;
            var scalar = TensorValues.TryGetScalar(value.Tensor, out var s) ? s : double.NaN;
            var point = new TensorBoardPoint(InternTag(tag), ev.Step, ev.WallTime, metadata, value.Tensor, scalar);
            _pending.Enqueue(new RunItem(RunItemKind.Point, point, ev.Step, ev.WallTime, null));
        }
    }

    // Event{wall_time, step, summary{one value{tag, simple_value | rank-0 DT_FLOAT tensor}}} with no
    // metadata, for a tag this file has already introduced: the general path would give the same item.
    private bool TryFastScalar(ReadOnlySpan<byte> record, out RunItem item)
    {
        item = default;
        double wallTime = 0;
        long step = 0;
        ReadOnlySpan<byte> summary = default;
        var p = 0;
        while (p < record.Length)
        {
            if (!ProtoWire.TryReadVarint(record, ref p, out var key))
            {
                return false;
            }

            switch (key)
            {
                case (1 << 3) | ProtoWire.Fixed64:
                    if (!ProtoWire.TryReadFixed64(record, ref p, out var bits))
                    {
                        return false;
                    }

                    wallTime = BitConverter.UInt64BitsToDouble(bits);
                    break;
                case (2 << 3) | ProtoWire.Varint:
                    if (!ProtoWire.TryReadVarint(record, ref p, out var s))
                    {
                        return false;
                    }

                    step = (long)s;
                    break;
                case (5 << 3) | ProtoWire.LengthDelimited:
                    if (!summary.IsEmpty || !ProtoWire.TryReadLengthDelimited(record, ref p, out summary))
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        p = 0;
        if (summary.IsEmpty
            || !ProtoWire.TryReadVarint(summary, ref p, out var valueKey) || valueKey != ((1 << 3) | ProtoWire.LengthDelimited)
            || !ProtoWire.TryReadLengthDelimited(summary, ref p, out var value) || p != summary.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> tagUtf8 = default;
        var hasTag = false;
        float number = 0;
        var kind = 0; // 1 simple_value, 2 tensor
        p = 0;
        while (p < value.Length)
        {
            if (!ProtoWire.TryReadVarint(value, ref p, out var key))
            {
                return false;
            }

            switch (key)
            {
                case (1 << 3) | ProtoWire.LengthDelimited:
                    if (hasTag || !ProtoWire.TryReadLengthDelimited(value, ref p, out tagUtf8))
                    {
                        return false;
                    }

                    hasTag = true;
                    break;
                case (2 << 3) | ProtoWire.Fixed32:
                    if (kind != 0 || !ProtoWire.TryReadFixed32(value, ref p, out var f))
                    {
                        return false;
                    }

                    number = BitConverter.UInt32BitsToSingle(f);
                    kind = 1;
                    break;
                case (8 << 3) | ProtoWire.LengthDelimited:
                    if (kind != 0 || !ProtoWire.TryReadLengthDelimited(value, ref p, out var tensor) || !TryReadFloatScalar(tensor, out number))
                    {
                        return false;
                    }

                    kind = 2;
                    break;
                default:
                    return false;
            }
        }

        if (!hasTag || tagUtf8.IsEmpty || kind == 0)
        {
            return false;
        }

        var maxChars = Encoding.UTF8.GetMaxCharCount(tagUtf8.Length);
        if (_chars.Length < maxChars)
        {
            _chars = new char[maxChars];
        }

        if (!Encoding.UTF8.TryGetChars(tagUtf8, _chars, out var charCount))
        {
            return false;
        }

        var tagChars = _chars.AsSpan(0, charCount);
        if (!_fileInitialLookup.TryGetValue(tagChars, out var initial)
            || SummaryMigration.RewritesValues(initial.PluginData?.PluginName ?? string.Empty)
            || !_tagNameLookup.TryGetValue(tagChars, out var tag))
        {
            return false;
        }

        if (_fileVersion is not >= 2 && step < _mostRecentStep)
        {
            return false;
        }

        _mostRecentStep = step;
        if (!_metadataLookup.TryGetValue(tagChars, out var metadata))
        {
            if (kind == 1)
            {
                return false;
            }

            metadata = NoMetadata;
        }

        item = new RunItem(RunItemKind.Point, new TensorBoardPoint(tag, step, wallTime, metadata, null, number), step, wallTime, null);
        return true;
    }

    // TensorProto{dtype=DT_FLOAT, tensor_shape={} (or absent), float_val=[x] or tensor_content=4 bytes}
    private static bool TryReadFloatScalar(ReadOnlySpan<byte> tensor, out float value)
    {
        value = 0;
        var p = 0;
        var dtype = 0UL;
        var hasValue = false;
        while (p < tensor.Length)
        {
            if (!ProtoWire.TryReadVarint(tensor, ref p, out var key))
            {
                return false;
            }

            switch (key)
            {
                case (1 << 3) | ProtoWire.Varint:
                    if (!ProtoWire.TryReadVarint(tensor, ref p, out dtype))
                    {
                        return false;
                    }

                    break;
                case (2 << 3) | ProtoWire.LengthDelimited:
                    if (!ProtoWire.TryReadLengthDelimited(tensor, ref p, out var shape) || !shape.IsEmpty)
                    {
                        return false;
                    }

                    break;
                case (5 << 3) | ProtoWire.LengthDelimited:
                case (4 << 3) | ProtoWire.LengthDelimited:
                    if (hasValue || !ProtoWire.TryReadLengthDelimited(tensor, ref p, out var packed) || packed.Length != 4)
                    {
                        return false;
                    }

                    value = BinaryPrimitives.ReadSingleLittleEndian(packed);
                    hasValue = true;
                    break;
                case (5 << 3) | ProtoWire.Fixed32:
                    if (hasValue || !ProtoWire.TryReadFixed32(tensor, ref p, out var bits))
                    {
                        return false;
                    }

                    value = BitConverter.UInt32BitsToSingle(bits);
                    hasValue = true;
                    break;
                default:
                    return false;
            }
        }

        return dtype == (ulong)DataType.DtFloat && hasValue;
    }

    private string InternTag(string tag)
    {
        if (_tagNames.TryGetValue(tag, out var interned))
        {
            return interned;
        }

        _tagNames[tag] = tag;
        return tag;
    }

    private static double ParseFileVersion(string fileVersion)
    {
        var index = fileVersion.LastIndexOf("brain.Event:", StringComparison.Ordinal);
        var number = index >= 0 ? fileVersion[(index + "brain.Event:".Length)..] : fileVersion;
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : -1;
    }
}
