using System.Globalization;
using Metrics.Client;
using Metrics.Examples.Training.Data;
using Metrics.Examples.Training.Logging;
using Metrics.Examples.Training.Models;

namespace Metrics.Examples.Training;

/// <summary>Trains the sigmoid neuron and the MLP on two spirals, logging every step through a <see cref="SummaryWriter"/> per model.</summary>
public static class TrainingJob
{
    public static async Task<TrainingReport> RunAsync(TrainingOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var data = new TwoSpirals(options.PointsPerClass, noise: 0.03, options.Seed);
        var random = new Random(options.Seed);

        var neuron = new SigmoidNeuron(random);
        SummaryWriterCloseResult neuronResult;
        await using (var log = new TrainingLog(Writer(options, "neuron"), "neuron"))
        {
            var hparams = new Dictionary<string, object> { ["model"] = "sigmoid-neuron", ["loss"] = "l2", ["optimizer"] = "adam", ["lr"] = options.LearningRate, ["steps"] = options.NeuronSteps };
            log.HParams(hparams);
            log.Text(0, "A single sigmoid neuron on two spirals (it cannot fit them: the boundary is a line).\n\n" + TrainingLog.Table(hparams));
            await TrainAsync(neuron, new Adam(neuron.Parameters, options.LearningRate), options.NeuronSteps, data, log, options.DetailEvery, cancellationToken);
            neuronResult = await CloseAsync(log.Writer, cancellationToken);
        }

        var mlp = new Mlp([2, options.Hidden, options.Hidden, 2], random);
        SummaryWriterCloseResult mlpResult;
        float accuracy;
        await using (var log = new TrainingLog(Writer(options, "mlp"), "mlp"))
        {
            var hparams = new Dictionary<string, object> { ["model"] = "mlp", ["hidden"] = options.Hidden, ["layers"] = 2, ["optimizer"] = "adam", ["lr"] = options.LearningRate, ["steps"] = options.MlpSteps };
            log.HParams(hparams);
            log.Graph(MlpGraph.Create(mlp.Sizes));
            log.Text(0, "An MLP 2 → " + options.Hidden + " → " + options.Hidden + " → 2 (tanh, softmax cross-entropy) on two spirals.\n\n" + TrainingLog.Table(hparams));
            accuracy = await TrainAsync(mlp, new Adam(mlp.Parameters, options.LearningRate), options.MlpSteps, data, log, options.DetailEvery, cancellationToken);
            log.Text(options.MlpSteps, string.Create(CultureInfo.InvariantCulture, $"Finished: accuracy **{accuracy:P1}** after {options.MlpSteps} steps."));
            mlpResult = await CloseAsync(log.Writer, cancellationToken);
        }

        var report = new TrainingReport(options.RunPrefix + "/neuron", options.RunPrefix + "/mlp", accuracy, neuronResult.Complete && mlpResult.Complete);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Trained runs {report.NeuronRun} and {report.MlpRun}: MLP accuracy {accuracy:P1}{(report.Complete ? "" : " (some batches are still in the journal)")}."));
        return report;
    }

    // Cancelled (Ctrl-C, or the caller gave up on the server): close at once, leaving what was not
    // acknowledged in the journal, instead of waiting the writer's DisposeTimeout.
    private static async Task<SummaryWriterCloseResult> CloseAsync(SummaryWriter writer, CancellationToken cancellationToken)
    {
        var result = await writer.CloseAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private static SummaryWriter Writer(TrainingOptions options, string model)
    {
        var writer = new SummaryWriter(WriterOptions(options, model));
        options.WriterCreated?.Invoke(writer);
        return writer;
    }

    private static async Task<float> TrainAsync(IModel model, Adam optimizer, int steps, TwoSpirals data, TrainingLog log, int detailEvery, CancellationToken cancellationToken)
    {
        var accuracy = 0f;
        for (var step = 0; step < steps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                await log.Writer.CloseAsync(cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
            }

            var loss = model.LossAndGradients(data.Inputs, data.Labels);
            accuracy = Accuracy(model, data);
            log.Step(step, loss, accuracy);
            if (step % detailEvery == 0 || step == steps - 1)
            {
                log.Parameters(step, model.Parameters);
                log.DecisionBoundary(step, model, data.Inputs, data.Labels);
                await Task.Yield();
            }

            optimizer.Step();
        }

        return accuracy;
    }

    private static float Accuracy(IModel model, TwoSpirals data)
    {
        var right = 0;
        for (var i = 0; i < data.Count; i++)
        {
            right += (model.Predict(data.Inputs[2 * i], data.Inputs[(2 * i) + 1]) >= 0.5f ? 1 : 0) == data.Labels[i] ? 1 : 0;
        }

        return right / (float)data.Count;
    }

    private static SummaryWriterOptions WriterOptions(TrainingOptions options, string model) => new()
    {
        Server = options.Server,
        Token = options.Token,
        Project = options.Project,
        LogDirectory = options.LogDirectory,
        RunName = options.RunPrefix + "/" + model,
        FlushInterval = TimeSpan.FromSeconds(2),
        MaxQueue = 100,
        RestartAtStep = options.ReplaceRuns && options.Server is not null ? 0 : null,
        LoggerFactory = options.LoggerFactory,
        JournalDirectory = options.JournalDirectory,
    };
}

/// <summary>What a training job did.</summary>
public sealed record TrainingReport(string NeuronRun, string MlpRun, float MlpAccuracy, bool Complete);
