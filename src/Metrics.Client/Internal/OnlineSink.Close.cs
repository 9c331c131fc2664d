namespace Metrics.Client.Internal;

internal sealed partial class OnlineSink
{
    private long _sealedCountAtClose = long.MaxValue;

    public override async Task<SummaryWriterCloseResult> CloseAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_closed is not null)
            {
                return _closed;
            }

            SealLocked();
            _sealedCountAtClose = _sealedCount;
            _closing = true;
        }

        _flushTimer?.Dispose();
        _pulse.Fire();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_options.DisposeTimeout);
            try
            {
                await _pulse.WaitUntilAsync(
                    () => _fault is not null || (Interlocked.Read(ref _numberedCount) >= _sealedCountAtClose && _store.Acknowledged >= _store.LastSeq),
                    timeout.Token).ConfigureAwait(false);
                await _connection.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // Out of time: what is not acknowledged stays in the journal.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_pump, _connection).ConfigureAwait(false);
        _store.SpillAll();
        var pending = _store.PendingCount;
        var result = new SummaryWriterCloseResult
        {
            LastAcknowledged = _store.Acknowledged,
            PendingBatches = pending,
            JournalDirectory = pending > 0 ? _store.JournalDirectory : null,
        };
        lock (_lock)
        {
            pending += _sealed.Count;
            _closed = result;
        }

        if (result.PendingBatches == 0)
        {
            _store.DeleteJournalIfEmpty();
        }
        else
        {
            ClientLog.LeftInJournal(_logger, pending, _runName, _writerId, _store.JournalDirectory);
        }

        Dispose();
        return result;
    }

    public void Dispose()
    {
        _flushTimer?.Dispose();
        _store.Dispose();
        _channel.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }
}
