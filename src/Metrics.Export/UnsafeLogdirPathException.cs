namespace Metrics.Export;

/// <summary>A project or run name (or an archive entry) that could leave the logdir; nothing was written.</summary>
public sealed class UnsafeLogdirPathException : IOException
{
    public UnsafeLogdirPathException()
    {
    }

    public UnsafeLogdirPathException(string message)
        : base(message)
    {
    }

    public UnsafeLogdirPathException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
