using Metrics.TensorBoard;

namespace Metrics.Bench.Soak;

/// <summary>
/// Reads an exported logdir as TensorBoard does (Metrics.TensorBoard) and compares it with what
/// the writers were acknowledged: every point once, steps rising, float32 values and wall times
/// exact, no read problem, nothing TensorBoard's Rust loader would drop.
/// </summary>
public static class LogdirAudit
{
    public static AuditResult Read(string projectDirectory, IReadOnlyList<(LoadSeries Series, ulong Acked)> writers)
    {
        ArgumentNullException.ThrowIfNull(writers);
        var examples = new List<string>();
        var snapshot = Directory.Exists(projectDirectory) ? LogdirSnapshot.Read(projectDirectory) : null;
        long unexpected = 0, duplicated = 0, lost = 0, found = 0, acknowledged = 0;
        foreach (var problem in snapshot?.Problems ?? [])
        {
            unexpected++;
            PointAudit.Note(examples, $"read problem {problem.FilePath}@{problem.Offset}: {problem.Message}");
        }

        var runs = (snapshot?.Runs ?? []).ToDictionary(r => r.RunName, StringComparer.Ordinal);
        var known = writers.Select(w => (w.Series.RunName, w.Series.Tag)).ToHashSet();
        foreach (var run in runs.Values)
        {
            foreach (var (tag, drops) in run.RustLoaderDrops)
            {
                duplicated += drops;
                PointAudit.Note(examples, $"{drops} Rust-loader drops in {run.RunName}/{tag}");
            }

            foreach (var (tag, points) in run.Points)
            {
                if (!known.Contains((run.RunName, tag)))
                {
                    unexpected += points.Count;
                    PointAudit.Note(examples, $"unexpected tag {run.RunName}/{tag}");
                }
            }
        }

        foreach (var (series, acked) in writers)
        {
            var expected = series.Points(acked);
            acknowledged += expected;
            var points = runs.TryGetValue(series.RunName, out var run) ? run.Points.GetValueOrDefault(series.Tag) ?? [] : [];
            var seen = new HashSet<long>();
            long previous = -1;
            foreach (var point in points)
            {
                if (!seen.Add(point.Step) || point.Step <= previous)
                {
                    duplicated++;
                    PointAudit.Note(examples, $"step {point.Step} again or out of order in {series.RunName}/{series.Tag}");
                    continue;
                }

                previous = point.Step;
                if (point.Step >= expected)
                {
                    unexpected++;
                    continue;
                }

                if ((float)point.Scalar != (float)series.Value(point.Step) || point.WallTime != LoadSeries.WallTime(point.Step))
                {
                    lost++;
                    PointAudit.Note(examples, $"different {series.RunName}/{series.Tag}@{point.Step}: {point.Scalar}");
                    continue;
                }

                found++;
            }

            var matched = seen.Count(s => s < expected);
            if (matched < expected)
            {
                lost += expected - matched;
                PointAudit.Note(examples, $"{expected - matched} missing in {series.RunName}/{series.Tag}");
            }
        }

        return new AuditResult("logdir", acknowledged, found, lost, duplicated, unexpected, examples);
    }
}
