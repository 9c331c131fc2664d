using System.Globalization;
using System.Text;
using Metrics.Contracts.V1;

namespace Metrics.Bench.Ingest;

/// <summary>
/// The scalar points of a protocol batch in InfluxDB line protocol, as VictoriaMetrics' /write
/// takes them: one line a point, <c>bench,bench=&lt;label&gt;,run=&lt;run&gt;,tag=&lt;tag&gt; value=&lt;v&gt; &lt;ns&gt;</c>.
/// VictoriaMetrics names the series <c>bench_value</c> and keeps the rest as labels; the wall time
/// becomes the timestamp (VictoriaMetrics keeps milliseconds), so points of a series need wall
/// times at least a millisecond apart to stay distinct samples.
/// </summary>
internal static class InfluxLines
{
    public const string Measurement = "bench";
    public const string Field = "value";

    /// <summary>The series name VictoriaMetrics gives the points (measurement_field).</summary>
    public const string MetricName = Measurement + "_" + Field;

    /// <summary>The batch's scalar points as line-protocol bytes (UTF-8), labelled <paramref name="label"/> and <paramref name="run"/>.</summary>
    public static byte[] Format(Batch batch, string label, string run)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var text = new StringBuilder();
        var prefix = $"{Measurement},bench={EscapeTag(label)},run={EscapeTag(run)},tag=";
        foreach (var series in batch.Scalars)
        {
            var head = prefix + EscapeTag(series.Tag) + " " + Field + "=";
            for (var i = 0; i < series.Steps.Count; i++)
            {
                text.Append(head)
                    .Append(FormatValue(series.Values[i]))
                    .Append(' ')
                    .Append(Nanoseconds(series.WallTimes[i]).ToString(CultureInfo.InvariantCulture))
                    .Append('\n');
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>A tag key or value with line protocol's special characters (comma, equals sign, space) escaped by a backslash.</summary>
    public static string EscapeTag(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            throw new ArgumentException("a line-protocol tag value must not be empty", nameof(value));
        }

        var escaped = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is ',' or '=' or ' ' or '\\')
            {
                escaped.Append('\\');
            }
            else if (c is '\n' or '\r')
            {
                throw new ArgumentException("a line-protocol tag value cannot hold a line break", nameof(value));
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>
    /// A float field value that reads back as the same double ("R" round-trips; ±Inf as
    /// VictoriaMetrics spells them). VictoriaMetrics takes "NaN" but stores no sample for it.
    /// </summary>
    public static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Wall time in seconds since the epoch as line protocol's default timestamp, integer
    /// nanoseconds. Whole seconds and the fraction are scaled apart: wall * 1e9 would round to
    /// 256 ns near today's 1.7e18 ns, the fraction alone keeps the double's own precision.
    /// </summary>
    public static long Nanoseconds(double wallTimeSeconds)
    {
        if (!double.IsFinite(wallTimeSeconds) || Math.Abs(wallTimeSeconds) >= (long.MaxValue / 1_000_000_000L) - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(wallTimeSeconds), wallTimeSeconds, "wall_time must be finite and within ±292 years of the epoch for a line-protocol timestamp");
        }

        var seconds = Math.Floor(wallTimeSeconds);
        return ((long)seconds * 1_000_000_000L) + (long)Math.Round((wallTimeSeconds - seconds) * 1e9);
    }
}
