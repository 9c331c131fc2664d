using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Metrics.Client.Internal;

/// <summary>
/// The on-disk journal of one writer: append-only segment files of records
/// <c>[u32 length][u32 CRC-32 of payload][payload = u64 seq + serialized Batch]</c>, fsynced per
/// append group, deleted once every batch in them is acknowledged. A torn or damaged tail (crash
/// mid-append) is cut off on open. Seqs in the journal are contiguous and rising. Not thread-safe
/// (the caller holds a lock).
/// </summary>
internal sealed class BatchJournal : IDisposable
{
    private const int HeaderLength = 8;
    private const long SegmentLimit = 16L << 20;
    private const string Extension = ".seg";

    private readonly List<Entry> _entries = [];
    private readonly List<Segment> _segments = [];
    private readonly ILogger _logger;
    private int _head;
    private FileStream? _appendStream;
    private bool _dirty;

    public BatchJournal(string directory, ILogger logger)
    {
        Directory = directory;
        _logger = logger;
        System.IO.Directory.CreateDirectory(directory);
        Recover();
    }

    public string Directory { get; }

    /// <summary>Batches held (not yet acknowledged).</summary>
    public int Count => _entries.Count - _head;

    public long Bytes => _segments.Sum(s => s.Length);

    public ulong FirstSeq => Count == 0 ? 0 : _entries[_head].Seq;

    public ulong LastSeq => Count == 0 ? 0 : _entries[^1].Seq;

    public bool Contains(ulong seq) => Count > 0 && seq >= FirstSeq && seq <= LastSeq;

    /// <summary>Appends a batch (call <see cref="Sync"/> before relying on it).</summary>
    public void Append(ulong seq, ReadOnlySpan<byte> batch)
    {
        if (Count > 0 && seq != LastSeq + 1)
        {
            throw new InvalidOperationException("Journal seqs must be contiguous: " + seq.ToString(CultureInfo.InvariantCulture) + " after " + LastSeq.ToString(CultureInfo.InvariantCulture));
        }

        var segment = _segments.Count > 0 && _appendStream is not null && _segments[^1].Length < SegmentLimit ? _segments[^1] : NewSegment();
        var payloadLength = 8 + batch.Length;
        var record = new byte[HeaderLength + payloadLength];
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(HeaderLength), seq);
        batch.CopyTo(record.AsSpan(HeaderLength + 8));
        BinaryPrimitives.WriteInt32LittleEndian(record, payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(HeaderLength)));
        var offset = segment.Length;
        _appendStream!.Write(record);
        segment.Length += record.Length;
        segment.LastSeq = seq;
        _entries.Add(new Entry(seq, segment, offset + HeaderLength + 8, batch.Length));
        _dirty = true;
    }

    /// <summary>
    /// Replaces the whole content by <paramref name="batches"/> (renumbered ones): the new records are
    /// written and synced in new segments before the old segments are deleted.
    /// </summary>
    public void Replace(IReadOnlyList<(ulong Seq, byte[] Batch)> batches)
    {
        var old = _segments.ToList();
        Sync();
        CloseAppend();
        _entries.Clear();
        _head = 0;
        foreach (var (seq, batch) in batches)
        {
            Append(seq, batch);
        }

        Sync();
        foreach (var segment in old)
        {
            File.Delete(segment.Path);
            _segments.Remove(segment);
        }
    }

    /// <summary>Makes every appended record durable.</summary>
    public void Sync()
    {
        if (_dirty && _appendStream is not null)
        {
            _appendStream.Flush(flushToDisk: true);
            _dirty = false;
        }
    }

    /// <summary>The serialized batch <paramref name="seq"/>.</summary>
    public byte[] Read(ulong seq)
    {
        if (!Contains(seq))
        {
            throw new InvalidOperationException("Batch " + seq.ToString(CultureInfo.InvariantCulture) + " is not in the journal.");
        }

        _appendStream?.Flush();
        var entry = _entries[_head + (int)(seq - FirstSeq)];
        var data = new byte[entry.Length];
        using var handle = File.OpenHandle(entry.Segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var read = 0;
        while (read < data.Length)
        {
            var n = RandomAccess.Read(handle, data.AsSpan(read), entry.Offset + read);
            if (n == 0)
            {
                throw new IOException("Journal file " + entry.Segment.Path + " is shorter than its index.");
            }

            read += n;
        }

        return data;
    }

    /// <summary>Forgets batches up to <paramref name="seq"/> and deletes segments holding only those.</summary>
    public void Acknowledge(ulong seq)
    {
        while (Count > 0 && _entries[_head].Seq <= seq)
        {
            _head++;
        }

        if (Count == 0)
        {
            _entries.Clear();
            _head = 0;
            CloseAppend();
            foreach (var segment in _segments)
            {
                File.Delete(segment.Path);
            }

            _segments.Clear();
            return;
        }

        while (_segments.Count > 1 && _segments[0].LastSeq <= seq)
        {
            File.Delete(_segments[0].Path);
            _segments.RemoveAt(0);
        }

        if (_head > 4096)
        {
            _entries.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>Deletes the folder when nothing is left in it.</summary>
    public bool DeleteIfEmpty()
    {
        if (Count > 0)
        {
            return false;
        }

        CloseAppend();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Another writer with the same id may have reopened it; leaving an empty folder is harmless.
        }

        return true;
    }

    public void Dispose()
    {
        Sync();
        CloseAppend();
    }

    private void CloseAppend()
    {
        _appendStream?.Dispose();
        _appendStream = null;
        _dirty = false;
    }

    private Segment NewSegment()
    {
        Sync();
        CloseAppend();
        var number = _segments.Count == 0 ? 1 : _segments[^1].Number + 1;
        var path = System.IO.Path.Combine(Directory, number.ToString("D10", CultureInfo.InvariantCulture) + Extension);
        _appendStream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, 0);
        var segment = new Segment(number, path) { Length = _appendStream.Length };
        _segments.Add(segment);
        return segment;
    }

    private void Recover()
    {
        var files = System.IO.Directory.EnumerateFiles(Directory, "*" + Extension)
            .Select(path => (Path: path, Number: long.TryParse(System.IO.Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .Where(f => f.Number > 0)
            .OrderBy(f => f.Number)
            .ToList();
        foreach (var (path, number) in files)
        {
            var segment = new Segment(number, path);
            var bytes = File.ReadAllBytes(path);
            long offset = 0;
            while (offset + HeaderLength <= bytes.Length)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)offset));
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)offset + 4));
                if (length < 8 || offset + HeaderLength + length > bytes.Length
                    || Crc32.HashToUInt32(bytes.AsSpan((int)offset + HeaderLength, length)) != crc)
                {
                    break;
                }

                var seq = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)offset + HeaderLength));
                if (Count == 0 || seq == LastSeq + 1)
                {
                    _entries.Add(new Entry(seq, segment, offset + HeaderLength + 8, length - 8));
                    segment.LastSeq = seq;
                }

                offset += HeaderLength + length;
            }

            if (offset < bytes.Length)
            {
                ClientLog.JournalDamaged(_logger, path, offset);
                using var cut = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete);
                cut.SetLength(offset);
                cut.Flush(flushToDisk: true);
            }

            segment.Length = offset;
            if (segment.LastSeq == 0)
            {
                File.Delete(path);
            }
            else
            {
                _segments.Add(segment);
            }
        }
    }

    private sealed class Segment(long number, string path)
    {
        public long Number { get; } = number;

        public string Path { get; } = path;

        public long Length { get; set; }

        public ulong LastSeq { get; set; }
    }

    private readonly record struct Entry(ulong Seq, Segment Segment, long Offset, int Length);
}
