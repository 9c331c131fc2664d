namespace Metrics.Bench.Storage;

/// <summary>
/// One kind of training curve of `metrics bench storage`: the tags a run logs for it, every how
/// many steps, how fast steps go by on the run's clock, and how its values are made.
/// </summary>
/// <param name="Name">Short name, used in figures' keys and database names ("loss_f32").</param>
/// <param name="Description">What the curve is, for the printed table.</param>
/// <param name="Tags">Tags logged together at each of the curve's steps.</param>
/// <param name="Every">A point every this many steps.</param>
/// <param name="StepSeconds">Seconds a training step takes on the run's clock.</param>
/// <param name="JitterSeconds">Uniform jitter (±) of the interval between two logged points.</param>
/// <param name="Values">The values of one tag's <c>n</c> points (tag index, n, random).</param>
internal sealed record CurveKind(
    string Name,
    string Description,
    IReadOnlyList<string> Tags,
    int Every,
    double StepSeconds,
    double JitterSeconds,
    Func<int, int, Random, double[]> Values)
{
    /// <summary>A checkpoint or evaluation pause every this many steps.</summary>
    public const int PauseEverySteps = 1000;

    /// <summary>Length of that pause.</summary>
    public const double PauseSeconds = 30;

    /// <summary>Values are float64 (event files then take DT_DOUBLE tensors, as TensorBoard would read them); otherwise float32.</summary>
    public bool Float64 { get; init; }

    /// <summary>The kinds the benchmark writes, each in equal share of the points.</summary>
    public static IReadOnlyList<CurveKind> All { get; } =
    [
        new("loss_f32", "loss, float32 (TensorBoard's simple_value), every step, 0.1 s ± 2 ms", ["train/loss"], 1, 0.1, 0.002, (_, n, r) => TrainingValues.Loss(n, r, float32: true)),
        new("loss_f64", "loss, float64 (DT_DOUBLE tensors in event files), every step, 0.1 s ± 2 ms", ["train/loss"], 1, 0.1, 0.002, (_, n, r) => TrainingValues.Loss(n, r, float32: false)) { Float64 = true },
        new("accuracy", "top-1 and top-5 accuracy on 10,000 examples, float32, every 100 steps", ["eval/top1", "eval/top5"], 100, 0.1, 0.05, (t, n, r) => TrainingValues.Accuracy(n, r, top: t == 0 ? 0.76 : 0.93)),
        new("lr_cosine", "learning rate, warm-up + cosine, float32, every step", ["train/lr"], 1, 0.1, 0.002, (_, n, _) => TrainingValues.CosineLearningRate(n)),
        new("lr_step", "learning rate, step decay ×0.1 at 1/3 and 2/3, float32, every 10 steps", ["train/lr"], 10, 0.1, 0.01, (_, n, _) => TrainingValues.StepLearningRate(n)),
    ];
}
