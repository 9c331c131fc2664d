namespace Metrics.Storage.Writes;

/// <summary>Thrown by <see cref="PointWriter.WriteAsync"/> callers that want an exception for a rejected batch.</summary>
public sealed class WriteRejectedException : Exception
{
    public WriteRejectedException()
    {
    }

    public WriteRejectedException(string message)
        : base(message)
    {
    }

    public WriteRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WriteRejectedException(string field, string message)
        : base(field + ": " + message)
    {
        Field = field;
    }

    public string Field { get; } = "";
}
