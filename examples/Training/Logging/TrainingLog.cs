using System.Globalization;
using Google.Protobuf;
using Metrics.Client;
using Metrics.Contracts.TensorBoard;
using Metrics.Examples.Training.Models;

namespace Metrics.Examples.Training.Logging;

/// <summary>
/// The logging side of the job: turns what a training loop knows (losses, parameters, a model that
/// predicts) into summaries of one run. Knows <see cref="IModel"/> and <see cref="Parameter"/>, not
/// any model's internals.
/// </summary>
internal sealed class TrainingLog(SummaryWriter writer, string prefix) : IAsyncDisposable
{
    public SummaryWriter Writer => writer;

    public void Step(long step, float loss, float? accuracy)
    {
        writer.AddScalar(prefix + "/loss", loss, step);
        if (accuracy is { } a)
        {
            writer.AddScalar(prefix + "/accuracy", a, step);
        }
    }

    public void Parameters(long step, IReadOnlyList<Parameter> parameters)
    {
        foreach (var p in parameters)
        {
            writer.AddHistogram("weights/" + p.Name, Widen(p.Values), step);
            writer.AddHistogram("gradients/" + p.Name, Widen(p.Gradient), step);
        }
    }

    public void DecisionBoundary(long step, IModel model, float[] inputs, int[] labels) =>
        writer.AddImagePixels(prefix + "/decision_boundary", ImageOfModel.DecisionBoundary(model, inputs, labels), ImageOfModel.Size, ImageOfModel.Size, PixelFormat.Rgb, step);

    public void Graph(GraphDef graph) => writer.AddGraph(graph.ToByteArray());

    public void Text(long step, string markdown) => writer.AddText(prefix + "/notes", markdown, step);

    public void HParams(IReadOnlyDictionary<string, object> hparams) =>
        writer.AddHParams(hparams, [prefix + "/loss", prefix + "/accuracy"]);

    public static string Table(IReadOnlyDictionary<string, object> values) =>
        "| name | value |\n| --- | --- |\n" + string.Join('\n', values.Select(kv => string.Create(CultureInfo.InvariantCulture, $"| {kv.Key} | {kv.Value} |")));

    public ValueTask DisposeAsync() => writer.DisposeAsync();

    private static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);
}
