using System.CommandLine;
using System.Globalization;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Cli.Logdir;

/// <summary>
/// `metrics logdir inspect DIR [--json]`: what TensorBoard would read from a logdir. `--json` prints
/// the fixtures' expected-JSON shape (see Metrics.TensorBoard.LogdirJson); otherwise a summary of
/// runs, tags per plugin, step ranges, point counts and problems found.
/// </summary>
internal static class LogdirCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "The logdir (TensorBoard's --logdir)." };
        var json = new Option<bool>("--json") { Description = "Print every point as JSON (the fixtures' expected.json shape)." };
        var inspect = new Command("inspect", "Show what TensorBoard would read from a logdir.") { dir, json };
        inspect.SetAction(parse =>
        {
            var logdir = parse.GetValue(dir)!;
            if (!logdir.Exists)
            {
                System.Console.Error.WriteLine("metrics logdir inspect: no such folder: " + logdir.FullName);
                return 2;
            }

            var snapshot = LogdirSnapshot.Read(logdir.FullName);
            if (parse.GetValue(json))
            {
                using var stdout = System.Console.OpenStandardOutput();
                LogdirJson.Write(snapshot, stdout);
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                System.Console.Out.Write(Summary(snapshot));
            }

            return 0;
        });

        return new Command("logdir", "TensorBoard logdirs.") { inspect };
    }

    internal static string Summary(LogdirSnapshot snapshot)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"{snapshot.Runs.Count} run(s)");
        foreach (var run in snapshot.Runs)
        {
            w.WriteLine();
            w.WriteLine($"run {run.RunName}");
            if (run.Graph is not null)
            {
                w.WriteLine($"  graph: {GraphDef.Parser.ParseFrom(run.Graph).Node.Count} node(s)");
            }

            foreach (var group in run.Metadata.GroupBy(m => m.Value.PluginData?.PluginName ?? "").OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.WriteLine($"  plugin {(group.Key.Length == 0 ? "(none)" : group.Key)}");
                foreach (var (tag, metadata) in group.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    var points = run.Points.GetValueOrDefault(tag) ?? [];
                    var range = points.Count == 0 ? "no points" : $"steps {points.Min(p => p.Step)}..{points.Max(p => p.Step)}";
                    w.WriteLine($"    {tag}  [{ClassName(metadata.DataClass)}]  {points.Count} point(s), {range}");
                }
            }

            foreach (var (tag, dropped) in run.RustLoaderDrops.OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                w.WriteLine($"  note: TensorBoard's Rust loader would discard {dropped} point(s) of {tag} (steps going back)");
            }
        }

        w.WriteLine();
        w.WriteLine(snapshot.Problems.Count == 0 ? "no problems found" : $"{snapshot.Problems.Count} problem(s):");
        foreach (var problem in snapshot.Problems)
        {
            w.WriteLine($"  {problem.FilePath} @ {problem.Offset}: {problem.Message}");
        }

        return w.ToString();
    }

    private static string ClassName(DataClass dataClass) => dataClass switch
    {
        DataClass.Scalar => "scalar",
        DataClass.Tensor => "tensor",
        DataClass.BlobSequence => "blob sequence",
        _ => "unknown",
    };
}
