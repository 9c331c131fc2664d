using Metrics.Bench.Storage;

namespace Metrics.Bench.Tests.Storage;

public sealed class TrainingRunTests
{
    public static TheoryData<string> Kinds => [.. CurveKind.All.Select(k => k.Name)];

    private static CurveKind Kind(string name) => CurveKind.All.Single(k => k.Name == name);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Create_EveryKind_StepsEveryNAndWallTimesRisingInSdkTicks(string name)
    {
        var kind = Kind(name);

        var run = TrainingRun.Create(kind, run: 3, pointsPerTag: 5_000, seed: 1);

        Assert.Equal(kind.Tags, run.Series.Select(s => s.Tag));
        Assert.Equal(5_000L * kind.Tags.Count, run.PointCount);
        foreach (var series in run.Series)
        {
            Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (long)i * kind.Every), series.Steps);
            for (var i = 1; i < series.Count; i++)
            {
                Assert.True(series.WallTimes[i] > series.WallTimes[i - 1], $"{name}: wall time {i} does not rise");
            }

            // 100 ns ticks over 1e7: the double is the nearest one to a whole number of ticks.
            Assert.All(series.WallTimes, w => Assert.Equal(w, Math.Round(w * TimeSpan.TicksPerSecond) / TimeSpan.TicksPerSecond));
        }
    }

    [Fact]
    public void Create_EveryStepKind_PausesAtEachThousandSteps()
    {
        var kind = Kind("loss_f32");

        var walls = TrainingRun.Create(kind, run: 0, pointsPerTag: 3_001, seed: 2).Series[0].WallTimes;

        var gaps = walls.Zip(walls.Skip(1), (a, b) => b - a).ToArray();
        Assert.Equal([999, 1999, 2999], gaps.Select((g, i) => (g, i)).Where(x => x.g > 10).Select(x => x.i));
        Assert.All(gaps.Where(g => g < 10), g => Assert.InRange(g, kind.StepSeconds - kind.JitterSeconds - 1e-6, kind.StepSeconds + kind.JitterSeconds + 1e-6));
    }

    [Fact]
    public void Create_TwoTags_SecondReadAFewMicrosecondsAfterTheFirst()
    {
        var run = TrainingRun.Create(Kind("accuracy"), run: 0, pointsPerTag: 100, seed: 3);

        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(run.Series[1].WallTimes[i] - run.Series[0].WallTimes[i], 2e-6, 31e-6);
        }
    }

    [Fact]
    public void Create_SameSeed_SamePoints()
    {
        var a = TrainingRun.Create(Kind("loss_f64"), run: 1, pointsPerTag: 500, seed: 9);
        var b = TrainingRun.Create(Kind("loss_f64"), run: 1, pointsPerTag: 500, seed: 9);

        Assert.Equal(a.Series[0].Values, b.Series[0].Values);
        Assert.Equal(a.Series[0].WallTimes, b.Series[0].WallTimes);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Flushes_AnyKind_CutEveryPointOnceInWindowsOfTheFlushInterval(string name)
    {
        var run = TrainingRun.Create(Kind(name), run: 0, pointsPerTag: 4_000, seed: 4);

        var flushes = run.Flushes(1.0).ToList();

        Assert.All(flushes, f => Assert.Equal(run.Series.Select(s => s.Tag), f.Select(s => s.Tag)));
        Assert.All(flushes, f => Assert.True(f[0].Count > 0 && f[0].WallTimes[^1] - f[0].WallTimes[0] < 1.0));
        for (var t = 0; t < run.Series.Count; t++)
        {
            Assert.Equal(run.Series[t].Steps, flushes.SelectMany(f => f[t].Steps));
            Assert.Equal(run.Series[t].WallTimes, flushes.SelectMany(f => f[t].WallTimes));
            Assert.Equal(run.Series[t].Values, flushes.SelectMany(f => f[t].Values));
        }
    }

    [Fact]
    public void Flushes_EveryStepAtATenthOfASecond_AboutTenPointsABatch()
    {
        var run = TrainingRun.Create(Kind("lr_cosine"), run: 0, pointsPerTag: 10_000, seed: 5);

        var sizes = run.Flushes(1.0).Select(f => f[0].Count).ToList();

        Assert.InRange(sizes.Average(), 9.0, 10.5);
        Assert.InRange(sizes.Max(), 10, 11);
    }

    [Fact]
    public void Flushes_ZeroInterval_ThrowsNamingIt() =>
        Assert.Equal("flushSeconds", Assert.Throws<ArgumentOutOfRangeException>(() => TrainingRun.Create(Kind("lr_step"), 0, 10, 1).Flushes(0).ToList()).ParamName);
}
