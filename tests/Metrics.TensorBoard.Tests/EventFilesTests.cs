namespace Metrics.TensorBoard.Tests;

public sealed class EventFilesTests
{
    [Fact]
    public void FindRuns_NestedAndRootFolders_NamesAreRelativePaths()
    {
        using var dir = new TempDirectory();
        Touch(dir.Path, "events.out.tfevents.1.h");
        Touch(Path.Combine(dir.Path, "a", "b c"), "events.out.tfevents.1.h");
        Touch(Path.Combine(dir.Path, "a"), "notes.txt");
        Touch(Path.Combine(dir.Path, "z"), "x.tfevents.y");

        var runs = EventFiles.FindRuns(dir.Path).Select(r => r.Name).ToList();

        Assert.Equal([".", "a/b c", "z"], runs);
    }

    [Fact]
    public void List_SeveralFiles_InNameOrder()
    {
        using var dir = new TempDirectory();
        Touch(dir.Path, "events.out.tfevents.2.h");
        Touch(dir.Path, "events.out.tfevents.10.h");
        Touch(dir.Path, "events.out.tfevents.1.h");

        var names = EventFiles.List(dir.Path).Select(Path.GetFileName).ToList();

        Assert.Equal(["events.out.tfevents.1.h", "events.out.tfevents.10.h", "events.out.tfevents.2.h"], names);
    }

    private static void Touch(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, name), []);
    }
}
