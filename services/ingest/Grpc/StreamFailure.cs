using Grpc.Core;

namespace Metrics.Ingest.Grpc;

/// <summary>The first reason a Write stream must end (a rejected batch, a storage outage, shutdown), set by either of its loops.</summary>
internal sealed class StreamFailure
{
    private readonly Lock _lock = new();
    private Status? _status;

    public Status? Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    public bool TrySet(Status status)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return false;
            }

            _status = status;
            return true;
        }
    }
}
