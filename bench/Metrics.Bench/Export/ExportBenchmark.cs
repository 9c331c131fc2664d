using System.Diagnostics;
using Metrics.Export;
using Metrics.TensorBoard;

namespace Metrics.Bench.Export;

/// <summary>
/// `metrics bench export`: scalar events/s the exporter writes to disk, through the real path
/// (<see cref="RunEventWriter"/> → <see cref="EventFileWriter"/> with the exporter's buffering, a real
/// file, FlushAndSync at the end), beside the baseline of writing the very same bytes, already
/// encoded, with one FileStream and an fsync. Best of a few rounds each, to damp a shared disk.
/// </summary>
public static class ExportBenchmark
{
    private static readonly string[] Tags = ["train/loss", "train/accuracy", "eval/loss", "lr"];

    public static BenchResult Run(int events, int rounds = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(events, 1);
        var dir = Directory.CreateTempSubdirectory("metrics-bench-export-");
        try
        {
            var series = Tags.Select((tag, i) => new ExportSeries(i + 1, tag, 1, PluginNames.Scalars, [], "", "")).ToArray();
            var points = new ExportPoint[events];
            for (var i = 0; i < events; i++)
            {
                var step = i / Tags.Length;
                points[i] = new ExportPoint(series[i % Tags.Length], step, 1.7e9 + (step * 0.01), Math.Sin(i), null, null);
            }

            var best = double.MaxValue;
            var baseline = double.MaxValue;
            long bytes = 0;
            for (var round = 0; round < rounds; round++)
            {
                var folder = Directory.CreateDirectory(Path.Combine(dir.FullName, "run" + round));
                var stopwatch = Stopwatch.StartNew();
                string path;
                using (var writer = EventFileWriter.Create(folder.FullName, new EventFileWriterOptions
                {
                    MaxQueue = int.MaxValue,
                    FlushInterval = TimeSpan.FromDays(1),
                    MaxBufferedBytes = 32 << 20,
                }))
                {
                    foreach (var point in points)
                    {
                        RunEventWriter.Write(writer, point);
                    }

                    bytes = writer.FlushAndSync();
                    path = writer.FilePath;
                }

                best = Math.Min(best, stopwatch.Elapsed.TotalSeconds);

                var encoded = File.ReadAllBytes(path);
                var copy = Path.Combine(folder.FullName, "raw.bin");
                stopwatch.Restart();
                using (var raw = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    for (var offset = 0; offset < encoded.Length; offset += 32 << 20)
                    {
                        raw.Write(encoded, offset, Math.Min(32 << 20, encoded.Length - offset));
                    }

                    raw.Flush(flushToDisk: true);
                }

                baseline = Math.Min(baseline, stopwatch.Elapsed.TotalSeconds);
                folder.Delete(recursive: true);
            }

            var result = new BenchResult("export scalar events/s", events / best, events / baseline, "events/s", "write + fsync of the same pre-encoded bytes");
            result.Extra["events"] = events;
            result.Extra["bytes"] = bytes;
            result.Extra["mb_per_s"] = Math.Round(bytes / best / 1e6, 1);
            result.Extra["baseline_mb_per_s"] = Math.Round(bytes / baseline / 1e6, 1);
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
