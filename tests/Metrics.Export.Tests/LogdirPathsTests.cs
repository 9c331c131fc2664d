using Metrics.Export;

namespace Metrics.Export.Tests;

public sealed class LogdirPathsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("logdir-paths-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void RunFolder_NestedRunName_IsUnderProjectFolder()
    {
        var folder = LogdirPaths.RunFolder(_root.FullName, "proj", "mnist/lr-0.01/train", create: true);

        Assert.Equal(Path.Combine(_root.FullName, "proj", "mnist", "lr-0.01", "train"), folder);
        Assert.True(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("a/./b")]
    [InlineData(".")]
    [InlineData("/etc")]
    [InlineData("/tmp/x")]
    [InlineData("a\\..\\b")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("")]
    [InlineData("nul\0byte")]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    [InlineData("del\u007f")]
    public void RunFolder_UnsafeRunName_Throws(string runName)
    {
        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", runName, create: true));
        Assert.False(Directory.Exists(Path.Combine(_root.FullName, "proj", "a")));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("/abs")]
    [InlineData("back\\slash")]
    [InlineData("")]
    [InlineData(LogdirPaths.InternalFolderName)]
    public void RunFolder_UnsafeProject_Throws(string project)
    {
        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, project, "run", create: true));
    }

    [Fact]
    public void RunFolder_VeryLongSegment_Throws()
    {
        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", new string('x', 256)));
    }

    [Fact]
    public void RunFolder_VeryLongPath_Throws()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('y', 200), 2));
        var root = Path.Combine(_root.FullName, string.Join('/', Enumerable.Repeat(new string('z', 250), 15)));

        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(root, "proj", name));
    }

    [Fact]
    public void RunFolder_SymlinkedProjectFolder_Throws()
    {
        var outside = Directory.CreateTempSubdirectory("outside-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "proj"), outside.FullName);

            Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", "run", create: true));
            Assert.Empty(outside.EnumerateFileSystemInfos());
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void RunFolder_SymlinkDeepInRunPath_Throws()
    {
        var outside = Directory.CreateTempSubdirectory("outside-");
        try
        {
            Directory.CreateDirectory(Path.Combine(_root.FullName, "proj", "a"));
            Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "proj", "a", "b"), outside.FullName);

            Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", "a/b/c", create: true));
            Assert.Empty(outside.EnumerateFileSystemInfos());
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public void RunFolder_DanglingSymlink_Throws()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "proj"));
        File.CreateSymbolicLink(Path.Combine(_root.FullName, "proj", "run"), "/nonexistent/target");

        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", "run", create: true));
    }

    [Fact]
    public void RunFolder_FileWhereFolderBelongs_Throws()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "proj"));
        File.WriteAllText(Path.Combine(_root.FullName, "proj", "run"), "not a folder");

        Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.RunFolder(_root.FullName, "proj", "run/x", create: true));
    }

    [Fact]
    public void RunFolder_SymlinkedRoot_IsAllowed()
    {
        var link = Path.Combine(Path.GetTempPath(), "logdir-link-" + Guid.NewGuid().ToString("N"));
        Directory.CreateSymbolicLink(link, _root.FullName);
        try
        {
            var folder = LogdirPaths.RunFolder(link, "proj", "run", create: true);

            Assert.True(Directory.Exists(Path.Combine(_root.FullName, "proj", "run")));
            Assert.StartsWith(link, folder, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(link);
        }
    }

    [Theory]
    [InlineData("run/events.out.tfevents.1.host.2.3", true)]
    [InlineData("a/b/events.out.tfevents.1", true)]
    [InlineData("events.out.tfevents.1", false)]
    [InlineData("../events.out.tfevents.1", false)]
    [InlineData("run/../../events.out.tfevents.1", false)]
    [InlineData("/abs/events.out.tfevents.1", false)]
    [InlineData("run/notes.txt", false)]
    [InlineData("run/..", false)]
    public void ArchiveEntryPath_EntryName_AcceptsOnlyEventFilesOfSafeRuns(string entry, bool accepted)
    {
        if (accepted)
        {
            var path = LogdirPaths.ArchiveEntryPath(_root.FullName, entry, create: true);
            Assert.StartsWith(_root.FullName + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
        }
        else
        {
            Assert.Throws<UnsafeLogdirPathException>(() => LogdirPaths.ArchiveEntryPath(_root.FullName, entry, create: true));
        }
    }
}
