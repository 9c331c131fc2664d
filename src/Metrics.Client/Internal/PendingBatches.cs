using Google.Protobuf;
using Metrics.Contracts.V1;

namespace Metrics.Client.Internal;

/// <summary>
/// The numbered batches not yet acknowledged, oldest in the journal, newest in memory (journal
/// seqs are always below memory seqs). Memory stays under its limit by spilling the oldest batches
/// to the journal; while the server is unreachable every batch goes to the journal. Thread-safe.
/// </summary>
internal sealed class PendingBatches(BatchJournal journal, long maxMemoryBytes) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, (Batch Batch, int Size)> _memory = [];
    private ulong _memoryFirst = 1;
    private ulong _lastSeq;
    private ulong _acknowledged;
    private long _memoryBytes;
    private long _peakMemoryBytes;
    private long _spilled;
    private bool _spillAll;

    public string JournalDirectory => journal.Directory;

    public ulong LastSeq
    {
        get
        {
            lock (_lock)
            {
                return _lastSeq;
            }
        }
    }

    public ulong Acknowledged
    {
        get
        {
            lock (_lock)
            {
                return _acknowledged;
            }
        }
    }

    /// <summary>Batches not acknowledged.</summary>
    public long PendingCount
    {
        get
        {
            lock (_lock)
            {
                return (long)(_lastSeq - _acknowledged);
            }
        }
    }

    /// <summary>Takes over what a previous writer left in the journal; returns the highest seq (0 if none).</summary>
    public ulong Recover()
    {
        lock (_lock)
        {
            if (journal.Count > 0)
            {
                _acknowledged = journal.FirstSeq - 1;
                _lastSeq = journal.LastSeq;
                _memoryFirst = _lastSeq + 1;
            }

            return _lastSeq;
        }
    }

    /// <summary>
    /// Renumbers every pending batch by <paramref name="offset"/>: a pinned writer id that numbered
    /// from 1 learns from the server that <paramref name="offset"/> batches are already committed.
    /// </summary>
    public void Renumber(ulong offset)
    {
        lock (_lock)
        {
            var journaled = new List<(ulong, byte[])>();
            for (var seq = _acknowledged + 1; seq <= _lastSeq && journal.Contains(seq); seq++)
            {
                var batch = Batch.Parser.ParseFrom(journal.Read(seq));
                batch.Seq += offset;
                journaled.Add((batch.Seq, batch.ToByteArray()));
            }

            journal.Replace(journaled);
            var memory = _memory.ToList();
            _memory.Clear();
            foreach (var (seq, entry) in memory)
            {
                entry.Batch.Seq = seq + offset;
                _memory[seq + offset] = entry;
            }

            _memoryFirst += offset;
            _lastSeq += offset;
            _acknowledged += offset;
        }
    }

    /// <summary>Numbers <paramref name="buffer"/> as the next batch and adds it.</summary>
    public void AddNext(PointBuffer buffer)
    {
        lock (_lock)
        {
            Add(buffer.ToBatch(_lastSeq + 1));
        }
    }

    /// <summary>Adds the next batch (its seq must be <see cref="LastSeq"/> + 1).</summary>
    public void Add(Batch batch)
    {
        lock (_lock)
        {
            if (batch.Seq != _lastSeq + 1)
            {
                throw new InvalidOperationException("Batches must be added in seq order.");
            }

            _lastSeq = batch.Seq;
            if (_spillAll)
            {
                journal.Append(batch.Seq, batch.ToByteArray());
                journal.Sync();
                _memoryFirst = batch.Seq + 1;
                _spilled++;
                return;
            }

            var size = batch.CalculateSize();
            _memory[batch.Seq] = (batch, size);
            _memoryBytes += size;
            _peakMemoryBytes = Math.Max(_peakMemoryBytes, _memoryBytes);
            if (_memoryBytes > maxMemoryBytes)
            {
                while (_memoryBytes > maxMemoryBytes / 2 && _memory.Count > 0)
                {
                    SpillOldest();
                }

                journal.Sync();
            }
        }
    }

    /// <summary>The batch to send, or null when it is already acknowledged or not yet added.</summary>
    public Batch? Get(ulong seq)
    {
        lock (_lock)
        {
            if (seq <= _acknowledged || seq > _lastSeq)
            {
                return null;
            }

            return _memory.TryGetValue(seq, out var entry) ? entry.Batch : Batch.Parser.ParseFrom(journal.Read(seq));
        }
    }

    /// <summary>The server committed every batch up to <paramref name="seq"/>.</summary>
    public void Acknowledge(ulong seq)
    {
        lock (_lock)
        {
            seq = Math.Min(seq, _lastSeq);
            if (seq <= _acknowledged)
            {
                return;
            }

            journal.Acknowledge(seq);
            for (var s = _memoryFirst; s <= seq; s++)
            {
                if (_memory.Remove(s, out var entry))
                {
                    _memoryBytes -= entry.Size;
                }
            }

            _memoryFirst = Math.Max(_memoryFirst, seq + 1);
            _acknowledged = seq;
        }
    }

    /// <summary>The server is unreachable (or the writer is closing): everything goes to disk until <see cref="StopSpilling"/>.</summary>
    public void SpillAll()
    {
        lock (_lock)
        {
            _spillAll = true;
            while (_memory.Count > 0)
            {
                SpillOldest();
            }

            journal.Sync();
        }
    }

    public void StopSpilling()
    {
        lock (_lock)
        {
            _spillAll = false;
        }
    }

    public void FillStatistics(ref PendingFigures figures)
    {
        lock (_lock)
        {
            figures = new PendingFigures(_lastSeq, _acknowledged, _memoryBytes, _peakMemoryBytes, journal.Count, journal.Bytes, _spilled);
        }
    }

    /// <summary>Deletes the journal folder if nothing is pending; true when deleted.</summary>
    public bool DeleteJournalIfEmpty()
    {
        lock (_lock)
        {
            return journal.DeleteIfEmpty();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            journal.Dispose();
        }
    }

    private void SpillOldest()
    {
        var seq = _memoryFirst;
        var (batch, size) = _memory[seq];
        _memory.Remove(seq);
        _memoryBytes -= size;
        journal.Append(seq, batch.ToByteArray());
        _memoryFirst = seq + 1;
        _spilled++;
    }
}

/// <summary>The store's counters at one instant.</summary>
internal readonly record struct PendingFigures(ulong LastSeq, ulong Acknowledged, long MemoryBytes, long PeakMemoryBytes, long JournalBatches, long JournalBytes, long Spilled);
