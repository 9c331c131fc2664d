namespace Metrics.TensorBoard;

/// <summary>
/// A whole logdir read as TensorBoard reads it: one <see cref="RunAccumulator"/> per run plus the
/// problems met. <see cref="LogdirJson"/> prints it in the shape of the fixtures' expected JSON.
/// </summary>
public sealed class LogdirSnapshot
{
    private LogdirSnapshot(IReadOnlyList<RunAccumulator> runs, IReadOnlyList<ReadProblem> problems)
    {
        Runs = runs;
        Problems = problems;
    }

    /// <summary>Runs sorted by name.</summary>
    public IReadOnlyList<RunAccumulator> Runs { get; }

    public IReadOnlyList<ReadProblem> Problems { get; }

    /// <summary>Reads every run of <paramref name="logdir"/> to the end of what is written.</summary>
    public static LogdirSnapshot Read(string logdir)
    {
        var runs = new List<RunAccumulator>();
        var problems = new List<ReadProblem>();
        foreach (var run in EventFiles.FindRuns(logdir))
        {
            var accumulator = new RunAccumulator(run.Name);
            using var reader = new RunReader(run.Name, run.Directory);
            while (reader.TryRead(out var item))
            {
                accumulator.Add(item);
            }

            problems.AddRange(reader.Problems);
            runs.Add(accumulator);
        }

        return new LogdirSnapshot(runs, problems);
    }
}
