using Metrics.TensorBoard;

namespace Metrics.Bench.Events;

/// <summary>The workload: scalar events of a few tags at rising steps, as a training loop writes them.</summary>
public static class ScalarEvents
{
    private static readonly string[] Tags = ["loss", "accuracy", "learning_rate", "grad_norm"];

    public static void Write(EventFileWriter writer, int events)
    {
        ArgumentNullException.ThrowIfNull(writer);
        const double Start = 1_700_000_000;
        for (var i = 0; i < events; i++)
        {
            var step = i / Tags.Length;
            writer.WriteScalar(Tags[i % Tags.Length], step, 1f / (step + 1), Start + (step * 0.01));
        }
    }

    /// <summary>Reads every point of the run in <paramref name="directory"/>; returns how many.</summary>
    public static long Read(string directory)
    {
        long count = 0;
        using var reader = new RunReader("bench", directory);
        while (reader.TryRead(out var item))
        {
            if (item.Kind == RunItemKind.Point)
            {
                count++;
            }
        }

        return count;
    }
}
