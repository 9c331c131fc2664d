namespace Metrics.Export;

/// <summary>Where the reading of one series stands: the last step handed out, and a page read ahead.</summary>
internal sealed class SeriesCursor(ExportSeries series, long after)
{
    public ExportSeries Series { get; } = series;

    /// <summary>The last step handed out (the export position of the series).</summary>
    public long After { get; set; } = after;

    /// <summary>The last step read from the database.</summary>
    public long ReadUpTo { get; set; } = after;

    public List<ExportPoint> Buffer { get; } = [];

    public int Position { get; set; }

    /// <summary>The last page was short: nothing more after <see cref="ReadUpTo"/> (as of that read).</summary>
    public bool Exhausted { get; set; }
}
