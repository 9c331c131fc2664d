namespace Metrics.Export;

/// <summary>Another exporter holds or has moved on the run: this one must stop writing it.</summary>
public sealed class ExportConflictException : Exception
{
    public ExportConflictException()
    {
    }

    public ExportConflictException(string message)
        : base(message)
    {
    }

    public ExportConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
