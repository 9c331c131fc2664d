using System.Diagnostics;
using Metrics.TensorBoard;

namespace Metrics.Bench.Events;

/// <summary>
/// `metrics bench events`: scalar events written and read per second with Metrics.TensorBoard,
/// beside a raw copy of the same bytes (write: the file's bytes written with no encoding; read:
/// the file's bytes read with no decoding), measured in the same run on the same disk.
/// The result's value is the write rate; the read figures are in Extra.
/// </summary>
public static class EventsBenchmark
{
    /// <summary>Runs the measurement in <paramref name="directory"/> (a temp folder when null).</summary>
    public static BenchResult Run(int events = 2_000_000, string? directory = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        var root = directory ?? Path.Combine(Path.GetTempPath(), "metrics-bench-events-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            // Warm up the JIT on a small run first.
            Measure(Math.Min(events, 50_000), Path.Combine(root, "warmup"));
            var figures = Measure(events, Path.Combine(root, "run"));
            var result = new BenchResult("events", figures.WriteRate, figures.RawWriteRate, "events/s", "raw write of the same bytes");
            result.Extra["events"] = events;
            result.Extra["bytes"] = figures.Bytes;
            result.Extra["read_events_per_s"] = Math.Round(figures.ReadRate, 1);
            result.Extra["read_baseline_events_per_s"] = Math.Round(figures.RawReadRate, 1);
            result.Extra["read_ratio"] = Math.Round(figures.RawReadRate == 0 ? 0 : figures.ReadRate / figures.RawReadRate, 4);
            return result;
        }
        finally
        {
            if (directory is null)
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static (double WriteRate, double RawWriteRate, double ReadRate, double RawReadRate, long Bytes) Measure(int events, string directory)
    {
        var writeDir = Path.Combine(directory, "write");
        var options = new EventFileWriterOptions { MaxQueue = int.MaxValue, FlushInterval = Timeout.InfiniteTimeSpan, Host = "bench", ProcessId = 1 };
        var watch = Stopwatch.StartNew();
        string path;
        using (var writer = EventFileWriter.Create(writeDir, options))
        {
            path = writer.FilePath;
            ScalarEvents.Write(writer, events);
        }

        var writeSeconds = watch.Elapsed.TotalSeconds;
        var bytes = File.ReadAllBytes(path);

        var rawPath = Path.Combine(directory, "raw.bin");
        watch.Restart();
        using (var raw = new FileStream(rawPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            const int Chunk = 1 << 20;
            for (var offset = 0; offset < bytes.Length; offset += Chunk)
            {
                raw.Write(bytes, offset, Math.Min(Chunk, bytes.Length - offset));
            }

            raw.Flush(flushToDisk: true);
        }

        var rawWriteSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var read = ScalarEvents.Read(writeDir);
        var readSeconds = watch.Elapsed.TotalSeconds;
        if (read != events)
        {
            throw new InvalidOperationException("Read " + read + " events, wrote " + events);
        }

        watch.Restart();
        using (var stream = new FileStream(rawPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
        {
            var buffer = new byte[256 * 1024];
            while (stream.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }

        var rawReadSeconds = watch.Elapsed.TotalSeconds;
        return (events / writeSeconds, events / rawWriteSeconds, events / readSeconds, events / rawReadSeconds, bytes.Length);
    }
}
