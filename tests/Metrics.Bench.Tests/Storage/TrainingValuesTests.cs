using Metrics.Bench.Storage;

namespace Metrics.Bench.Tests.Storage;

public sealed class TrainingValuesTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Loss_Noisy_DecreasesOverTheRun(bool singlePrecision)
    {
        var values = TrainingValues.Loss(10_000, new Random(1), singlePrecision);

        Assert.True(values.Take(1000).Average() > 3 * values.TakeLast(1000).Average());
        Assert.All(values, v => Assert.True(v >= 0 && double.IsFinite(v)));
        Assert.Contains(values.Zip(values.Skip(1)), p => p.Second > p.First);
    }

    [Fact]
    public void Loss_Float32_EveryValueIsAFloat32AndFloat64NotAll()
    {
        var float32 = TrainingValues.Loss(1000, new Random(2), float32: true);
        var float64 = TrainingValues.Loss(1000, new Random(2), float32: false);

        Assert.All(float32, v => Assert.Equal(v, (double)(float)v));
        Assert.Contains(float64, v => v != (double)(float)v);
    }

    [Fact]
    public void Accuracy_CorrectOutOfTenThousand_RisesTowardsTop()
    {
        var values = TrainingValues.Accuracy(2000, new Random(3), top: 0.76);

        Assert.All(values, v => Assert.Equal((float)Math.Round(v * 10_000) / 10_000, (float)v));
        Assert.InRange(values[0], 0.05, 0.15);
        Assert.InRange(values.TakeLast(100).Average(), 0.74, 0.78);
    }

    [Fact]
    public void CosineLearningRate_WarmsUpToThePeakThenDecaysToZero()
    {
        var values = TrainingValues.CosineLearningRate(2000);

        Assert.Equal(3e-4f, (float)values.Max());
        Assert.Equal(99, Array.IndexOf(values, values.Max()));
        Assert.True(values[^1] < 1e-8);
        Assert.All(values, v => Assert.Equal(v, (double)(float)v));
    }

    [Fact]
    public void StepLearningRate_ThreeLevelsATenthApart()
    {
        var values = TrainingValues.StepLearningRate(3000);

        var levels = values.Distinct().ToArray();
        Assert.Equal(3, levels.Length);
        Assert.Equal(0.1f, (float)levels[0]);
        Assert.Equal(0.1, levels[1] / levels[0], 6);
        Assert.Equal(0.1, levels[2] / levels[1], 6);
        Assert.Equal(1000, values.Count(v => v == values[0]));
    }
}
