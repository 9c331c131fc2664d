namespace Metrics.TensorBoard;

/// <summary>A record whose length or data checksum does not match: the file is damaged at <see cref="Offset"/>.</summary>
public sealed class TfRecordCorruptionException : IOException
{
    public TfRecordCorruptionException()
    {
        FilePath = string.Empty;
    }

    public TfRecordCorruptionException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    public TfRecordCorruptionException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    public TfRecordCorruptionException(string filePath, long offset, string reason)
        : base(reason + " in " + filePath + " at byte offset " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture))
    {
        FilePath = filePath;
        Offset = offset;
    }

    /// <summary>The damaged file.</summary>
    public string FilePath { get; }

    /// <summary>Byte offset of the start of the damaged record.</summary>
    public long Offset { get; }
}
