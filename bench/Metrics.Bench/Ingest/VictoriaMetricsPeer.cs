using System.Diagnostics;
using System.Globalization;
using Metrics.Contracts.V1;

namespace Metrics.Bench.Ingest;

/// <summary>
/// The peer figure of `metrics bench ingest`: the same scalar points posted to a private
/// VictoriaMetrics as Influx line protocol, one poster per ingest writer (each posting its
/// writer's batches in order, one request a batch), timed from the first post to the end of a
/// forced flush, then counted back with a query so the figure only stands when every point is
/// there. VictoriaMetrics answers a write before it reaches the disk (it flushes about once a
/// second), where ingest acknowledges after a durable commit.
/// </summary>
internal static class VictoriaMetricsPeer
{
    /// <summary>Printed beside the figure.</summary>
    public const string Durability = "VictoriaMetrics acknowledges /write before fsync (it flushes about every second); ingest acks after a durable commit";

    /// <summary>
    /// Points/s of <paramref name="writers"/> (scalars only) into <paramref name="vm"/> under label
    /// <paramref name="label"/>, and the CPU seconds <paramref name="meter"/>'s processes used while the clock ran.
    /// </summary>
    public static async Task<(double Rate, IReadOnlyList<(string Name, double Seconds)> Cpu)> MeasureAsync(VictoriaMetricsServer vm, string label, List<List<Batch>> writers, CpuMeter meter, CancellationToken cancellationToken)
    {
        // Bodies are encoded before the clock starts, as the ingest writers' batches are built beforehand.
        var bodies = writers
            .Select((batches, w) => batches.Select(b => InfluxLines.Format(b, label, "w" + w.ToString(CultureInfo.InvariantCulture))).Where(b => b.Length > 0).ToList())
            .ToList();
        var points = writers.Sum(batches => batches.Sum(b => b.Scalars.Sum(s => (long)s.Steps.Count)));
        var walls = writers.SelectMany(batches => batches.SelectMany(b => b.Scalars.SelectMany(s => s.WallTimes))).ToList();

        var cpu = meter.Start();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(bodies.Select(async posts =>
        {
            foreach (var body in posts)
            {
                await vm.WriteAsync(body, cancellationToken);
            }
        }));
        await vm.FlushAsync(cancellationToken);
        var seconds = watch.Elapsed.TotalSeconds;
        var used = cpu();

        await ExpectCountAsync(vm, label, walls.Min(), walls.Max(), points, cancellationToken);
        return (points / seconds, used);
    }

    /// <summary>Throws unless VictoriaMetrics returns exactly <paramref name="expected"/> samples (a few tries: the flush makes them searchable, the index may lag it briefly).</summary>
    private static async Task ExpectCountAsync(VictoriaMetricsServer vm, string label, double fromWall, double toWall, long expected, CancellationToken cancellationToken)
    {
        long found = 0;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            found = await vm.CountSamplesAsync(label, fromWall, toWall, cancellationToken);
            if (found == expected)
            {
                return;
            }

            await vm.FlushAsync(cancellationToken);
            await Task.Delay(500, cancellationToken);
        }

        throw new InvalidOperationException($"VictoriaMetrics holds {found} of the {expected} points posted under bench={label}");
    }
}
