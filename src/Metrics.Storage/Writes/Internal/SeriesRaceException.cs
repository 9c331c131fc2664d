namespace Metrics.Storage.Writes.Internal;

/// <summary>Another transaction created a series with another data class between our read and insert: retry the commit.</summary>
internal sealed class SeriesRaceException : Exception
{
    public SeriesRaceException()
    {
    }

    public SeriesRaceException(string message)
        : base(message)
    {
    }

    public SeriesRaceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
