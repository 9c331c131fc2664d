namespace Metrics.Client;

/// <summary>
/// The server refused the writer for good (bad token, wrong project, invalid data): retrying
/// cannot help. What was not acknowledged stays in the journal.
/// </summary>
public sealed class SummaryWriterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SummaryWriterException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SummaryWriterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause (usually the gRPC error).</param>
    public SummaryWriterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
