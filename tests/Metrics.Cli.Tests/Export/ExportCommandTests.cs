using System.Formats.Tar;
using System.IO.Compression;
using Metrics.Cli.Tests.Support;
using Metrics.Storage;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Cli.Tests.Export;

/// <summary>
/// `metrics export` as a real process against the real query service (data put in by the real
/// `metrics upload` through the real ingest), its output read back as TensorBoard reads it.
/// </summary>
public sealed class ExportCommandTests(ServicesFixture services) : IClassFixture<ServicesFixture>, IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-export-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Theory]
    [InlineData("basic")]
    [InlineData("v1")]
    public async Task Export_UploadedFixture_ReadsAsTensorBoardReadsTheFixture(string fixture)
    {
        var project = "export-" + fixture;
        var read = await UploadAsync(project, fixture);
        var output = Path.Combine(_temp.FullName, "logdir");

        var result = await ExportAsync(read, project, output);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        LogdirAssert.ReadsAsExpected(output, RepoPaths.FixtureExpectedJson(fixture));
        Assert.All(EventFiles.FindRuns(output), run => Assert.Single(EventFiles.List(run.Directory)));

        // Again into the same folder: the runs are replaced, not doubled.
        var again = await ExportAsync(read, project, output);

        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
        LogdirAssert.ReadsAsExpected(output, RepoPaths.FixtureExpectedJson(fixture));
        Assert.All(EventFiles.FindRuns(output), run => Assert.Single(EventFiles.List(run.Directory)));
        Assert.Empty(Directory.EnumerateDirectories(output, ".metrics-export-*"));
    }

    [Fact]
    public async Task Export_OneRun_WritesOnlyThatRun()
    {
        var read = await UploadAsync("export-one", "basic");
        var output = Path.Combine(_temp.FullName, "one");

        var result = await ExportAsync(read, "export-one", output, "--run", "nested/deep");

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(["nested/deep"], EventFiles.FindRuns(output).Select(r => r.Name));
        var run = Assert.Single(LogdirSnapshot.Read(output).Runs);
        Assert.Equal(300, run.Points["loss"].Count);
    }

    [Fact]
    public async Task Export_FolderNotEmpty_RefusedAndNothingWritten()
    {
        var output = Directory.CreateDirectory(Path.Combine(_temp.FullName, "busy")).FullName;
        await File.WriteAllTextAsync(Path.Combine(output, "notes.txt"), "mine");
        var otherProject = Directory.CreateDirectory(Path.Combine(_temp.FullName, "other")).FullName;
        await File.WriteAllTextAsync(Path.Combine(otherProject, ".metrics-export.json"), """{"project":"someone-else"}""");

        var foreign = await ExportAsync(services.ReadToken, ServicesFixture.Project, output);
        var mixed = await ExportAsync(services.ReadToken, ServicesFixture.Project, otherProject);

        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("not empty", foreign.StandardError, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains("someone-else", mixed.StandardError, StringComparison.Ordinal);
        Assert.Equal([".metrics-export.json"], Directory.EnumerateFileSystemEntries(otherProject).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Export_BadToken_RefusedAndNothingWritten()
    {
        var output = Path.Combine(_temp.FullName, "unauthorized");

        var result = await ExportAsync("mt_not-a-real-token", ServicesFixture.Project, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("401", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--token", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    public static TheoryData<string, TarEntryType> HostileEntries => new()
    {
        { "../escape/events.out.tfevents.1.evil", TarEntryType.RegularFile },
        { "bad/../../escape/events.out.tfevents.1.evil", TarEntryType.RegularFile },
        { "/tmp/metrics-export-test-escape/events.out.tfevents.1.evil", TarEntryType.RegularFile },
        { "good/events.out.tfevents.9.evil", TarEntryType.RegularFile },
        { "bad/notes.txt", TarEntryType.RegularFile },
        { "bad/events.out.tfevents.1.evil", TarEntryType.SymbolicLink },
        { "bad/events.out.tfevents.1.evil", TarEntryType.HardLink },
    };

    [Theory]
    [MemberData(nameof(HostileEntries))]
    public async Task Export_ArchiveEntryOutsideItsRun_RefusedAndNothingWritten(string entryName, TarEntryType type)
    {
        var good = await File.ReadAllBytesAsync(EventFiles.List(Path.Combine(RepoPaths.Fixture("basic"), "train"))[0]);
        using var server = new StaticHttpServer(new Dictionary<string, (string, byte[])>
        {
            ["/api/v1/projects/p/runs"] = ("application/json", """{"runs":[{"run_id":1,"name":"good"},{"run_id":2,"name":"bad"}],"next_cursor":null}"""u8.ToArray()),
            ["/api/v1/runs/1/logdir.tar.gz"] = ("application/gzip", Archive(("good/events.out.tfevents.1.host", TarEntryType.RegularFile, good))),
            ["/api/v1/runs/2/logdir.tar.gz"] = ("application/gzip", Archive(("bad/events.out.tfevents.2.host", TarEntryType.RegularFile, good), (entryName, type, "x"u8.ToArray()))),
        });
        var output = Path.Combine(_temp.FullName, "hostile");

        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["export", "--query", server.Url, "--token", "t", "--project", "p", "--out", output]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refusing", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), "the first run's folder or the staging folder was left behind");
        Assert.False(Directory.Exists(Path.Combine(_temp.FullName, "escape")));
        Assert.False(Directory.Exists("/tmp/metrics-export-test-escape"));
    }

    // Uploads a fixture logdir with `metrics upload` into a project of its own; returns a read token of it.
    private async Task<string> UploadAsync(string project, string fixture)
    {
        var write = await services.CreateTokenAsync(project, TokenScope.Write);
        var upload = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli,
        [
            "upload", "--server", services.IngestUrl, "--token", write, "--project", project,
            "--logdir", RepoPaths.Fixture(fixture), "--state-file", Path.Combine(_temp.FullName, project + ".state"),
        ]);
        Assert.True(upload.ExitCode == 0, upload.StandardOutput + upload.StandardError);
        return await services.CreateTokenAsync(project, TokenScope.Read);
    }

    private Task<ProcessResult> ExportAsync(string token, string project, string output, params string[] more) =>
        ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["export", "--query", services.QueryUrl, "--token", token, "--project", project, "--out", output, .. more]);

    private static byte[] Archive(params (string Name, TarEntryType Type, byte[] Data)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, type, data) in entries)
            {
                var entry = new PaxTarEntry(type, name);
                if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                {
                    entry.LinkName = "/etc/passwd";
                }
                else
                {
                    entry.DataStream = new MemoryStream(data);
                }

                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }
}
