namespace Metrics.TensorBoard;

/// <summary>How an <see cref="EventFileWriter"/> names its files and buffers events.</summary>
public sealed class EventFileWriterOptions
{
    /// <summary>Buffered events that trigger a flush (TensorBoard's <c>max_queue</c>, default 10).</summary>
    public int MaxQueue { get; init; } = 10;

    /// <summary>Longest time an event stays buffered (TensorBoard's <c>flush_secs</c>, default 120 s); zero or infinite turns timed flushing off.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Appended to the file name, as TensorBoard's <c>filename_suffix</c>.</summary>
    public string FilenameSuffix { get; init; } = string.Empty;

    /// <summary>Host name in the file name; the machine name when null.</summary>
    public string? Host { get; init; }

    /// <summary>Process id in the file name; the current process when null.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Clock for file names and the flush interval.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Buffered bytes above which records are handed to the OS early (still whole records).</summary>
    public int MaxBufferedBytes { get; init; } = 1 << 20;
}
