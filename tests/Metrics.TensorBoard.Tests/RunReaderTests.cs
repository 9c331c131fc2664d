using System.Text.Json;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard.Tests;

public sealed class RunReaderTests
{
    [Fact]
    public void TryRead_FileWithoutFileVersion_StepGoingBackPurgesOnlyThatTag()
    {
        using var dir = new TempDirectory();
        WriteRaw(Path.Combine(dir.Path, "events.out.tfevents.1.h"),
        [
            Scalar("a", 1), Scalar("b", 1), Scalar("a", 2), Scalar("b", 2), Scalar("a", 3), Scalar("a", 2),
        ]);

        var run = Accumulate(dir.Path);

        Assert.Equal([1L, 2L], run.Points["a"].Select(p => p.Step));
        Assert.Equal([1L, 2L], run.Points["b"].Select(p => p.Step));
    }

    [Fact]
    public void TryRead_SecondSessionStart_DropsEveryTagsLaterSteps()
    {
        using var dir = new TempDirectory();
        using (var writer = EventFileWriter.Create(dir.Path))
        {
            writer.WriteSessionStart(0, 1);
            for (var step = 0; step < 10; step++)
            {
                writer.WriteScalar("a", step, step, step);
                writer.WriteScalar("b", step, step, step);
            }

            writer.WriteSessionStart(5, 100);
            writer.WriteScalar("a", 5, 50, 101);
        }

        var items = ReadAll(dir.Path);
        var run = Accumulate(dir.Path);

        var restart = Assert.Single(items, i => i.Kind == RunItemKind.Restart);
        Assert.Equal(5, restart.Step);
        Assert.Equal([0L, 1L, 2L, 3L, 4L, 5L], run.Points["a"].Select(p => p.Step));
        Assert.Equal(50, run.Points["a"][^1].Scalar);
        Assert.Equal([0L, 1L, 2L, 3L, 4L], run.Points["b"].Select(p => p.Step));
        Assert.Equal(5, run.RustLoaderDrops["a"]);
        Assert.False(run.RustLoaderDrops.ContainsKey("b"));
    }

    [Fact]
    public void TryRead_HugeStepsAndNonFiniteValues_KeptExactly()
    {
        using var dir = new TempDirectory();
        const long Huge = (1L << 53) - 1;
        using (var writer = EventFileWriter.Create(Path.Combine(dir.Path, "run")))
        {
            writer.WriteScalar("v", Huge - 2, float.NaN, 1);
            writer.WriteScalar("v", Huge - 1, float.PositiveInfinity, 2);
            writer.WriteScalar("v", Huge, float.NegativeInfinity, 3);
        }

        using var json = JsonDocument.Parse(LogdirJson.ToJson(LogdirSnapshot.Read(dir.Path)));
        var series = json.RootElement.GetProperty("scalars").GetProperty("scalars").GetProperty("run").GetProperty("v");

        Assert.Equal(Huge, series[2][0].GetInt64());
        Assert.Equal("NaN", series[0][2].GetString());
        Assert.Equal("Infinity", series[1][2].GetString());
        Assert.Equal("-Infinity", series[2][2].GetString());
    }

    [Fact]
    public void TryRead_UnicodeAndSpacesInTagsAndRunFolders_NamesKept()
    {
        using var dir = new TempDirectory();
        using (var writer = EventFileWriter.Create(Path.Combine(dir.Path, "mnist lr=0.1", "学习 ü")))
        {
            writer.WriteScalar("loss/训练 ü x", 1, 0.5f, 1);
        }

        var snapshot = LogdirSnapshot.Read(dir.Path);
        using var json = JsonDocument.Parse(LogdirJson.ToJson(snapshot));

        Assert.Equal("mnist lr=0.1/学习 ü", json.RootElement.GetProperty("runs")[0].GetString());
        Assert.Equal(0.5, json.RootElement.GetProperty("scalars").GetProperty("scalars").GetProperty("mnist lr=0.1/学习 ü").GetProperty("loss/训练 ü x")[0][2].GetDouble());
    }

    [Fact]
    public void TryRead_FileGrowsAndResumedElsewhere_NoDuplicatesNoGaps()
    {
        using var dir = new TempDirectory();
        using var writer = EventFileWriter.Create(dir.Path, new EventFileWriterOptions { MaxQueue = 1 });
        writer.WriteScalar("a", 1, 1, 1);
        using var reader = new RunReader("r", dir.Path);
        var first = Points(reader);
        Assert.Equal([1L], first.Select(p => p.Step));

        writer.WriteScalar("a", 2, 2, 2);
        Assert.Equal([2L], Points(reader).Select(p => p.Step));

        var position = reader.Position!.Value;
        writer.WriteScalar("a", 3, 3, 3);
        using var resumed = new RunReader("r", dir.Path, position, reader.Metadata);
        var rest = Points(resumed);

        Assert.Equal([3L], rest.Select(p => p.Step));
        Assert.Equal(PluginNames.Scalars, rest[0].PluginName);
        Assert.Equal(DataClass.Scalar, rest[0].DataClass);
    }

    [Fact]
    public void TryRead_DamagedRecord_ReportedAndLaterFilesStillRead()
    {
        using var dir = new TempDirectory();
        var damaged = Path.Combine(dir.Path, "events.out.tfevents.1.h");
        WriteRaw(damaged, [new Event { FileVersion = "brain.Event:2" }, Scalar("a", 1), Scalar("a", 2)]);
        var bytes = File.ReadAllBytes(damaged);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(damaged, bytes);
        WriteRaw(Path.Combine(dir.Path, "events.out.tfevents.2.h"), [new Event { FileVersion = "brain.Event:2" }, Scalar("a", 3)]);
        using var reader = new RunReader("r", dir.Path);

        var points = Points(reader);

        Assert.Equal([1L, 3L], points.Select(p => p.Step));
        var problem = Assert.Single(reader.Problems);
        Assert.Equal(damaged, problem.FilePath);
        Assert.True(problem.Offset > 0);
    }

    [Fact]
    public void TryRead_EmptyFile_NoPointsNoProblems()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(Path.Combine(dir.Path, "events.out.tfevents.1.h"), []);
        using var reader = new RunReader("r", dir.Path);

        Assert.False(reader.TryRead(out _));
        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void TryRead_LegacySimpleValue_BecomesScalarsPluginWithTagAsDisplayName()
    {
        using var dir = new TempDirectory();
        WriteRaw(Path.Combine(dir.Path, "events.out.tfevents.1.h"), [Scalar("acc", 1), Scalar("acc", 2)]);
        using var reader = new RunReader("r", dir.Path);

        var points = Points(reader);

        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal(DataClass.Scalar, p.DataClass));
        Assert.Equal("acc", points[0].Metadata.DisplayName);
        Assert.Equal(0.25, points[1].Scalar);
    }

    internal static void WriteRaw(string path, IEnumerable<Event> events)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = File.Create(path);
        foreach (var ev in events)
        {
            var data = Google.Protobuf.MessageExtensions.ToByteArray(ev);
            var record = new byte[TfRecord.RecordLength(data.Length)];
            TfRecord.Write(data, record);
            stream.Write(record);
        }
    }

    private static Event Scalar(string tag, long step) =>
        new() { Step = step, WallTime = step, Summary = new Summary { Value = { new Summary.Types.Value { Tag = tag, SimpleValue = step == 2 ? 0.25f : step } } } };

    private static List<RunItem> ReadAll(string directory)
    {
        using var reader = new RunReader("r", directory);
        var items = new List<RunItem>();
        while (reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    private static List<TensorBoardPoint> Points(RunReader reader)
    {
        var points = new List<TensorBoardPoint>();
        while (reader.TryRead(out var item))
        {
            if (item.Kind == RunItemKind.Point)
            {
                points.Add(item.Point);
            }
        }

        return points;
    }

    private static RunAccumulator Accumulate(string directory)
    {
        var run = new RunAccumulator("r");
        foreach (var item in ReadAll(directory))
        {
            run.Add(item);
        }

        return run;
    }
}
