using System.Text.Json;
using Metrics.Export;
using Metrics.TensorBoard;

namespace Metrics.Cli.Export;

/// <summary>
/// The --out folder of `metrics export`. It must be missing, empty, or an earlier export of the same
/// project (its <see cref="MarkerFileName"/>): anything else is refused before a byte is written, so
/// an export never deletes event files it did not write. Archives are unpacked into a hidden staging
/// folder inside it (same file system, so moving them in is a rename; no "tfevents" in staged names,
/// so TensorBoard never sees them) and moved into the runs' folders only when every archive was
/// checked; <see cref="Discard"/> removes everything this export wrote.
/// </summary>
internal sealed class ExportFolder
{
    /// <summary>Marks a folder written by `metrics export` (and for which project).</summary>
    public const string MarkerFileName = ".metrics-export.json";

    private const string StagingPrefix = ".metrics-export-";
    private const string StagingSuffix = ".partial";

    private readonly string _project;
    private readonly bool _existed;
    private readonly bool _hadMarker;
    private string? _staging;
    private bool _wroteMarker;

    private ExportFolder(string root, string project, bool existed, bool hadMarker)
    {
        Root = root;
        _project = project;
        _existed = existed;
        _hadMarker = hadMarker;
    }

    public string Root { get; }

    /// <summary>Checks <paramref name="path"/> without writing anything; throws <see cref="IOException"/> when it may not be used.</summary>
    public static ExportFolder Open(string path, string project)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (File.Exists(root))
        {
            throw new IOException(root + " is a file, not a folder");
        }

        if (!Directory.Exists(root))
        {
            return new ExportFolder(root, project, existed: false, hadMarker: false);
        }

        var marker = Path.Combine(root, MarkerFileName);
        if (!File.Exists(marker))
        {
            if (Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new IOException(
                    "refusing to write into " + root + ": it is not empty and was not written by `metrics export` (no "
                    + MarkerFileName + "); give a new or empty folder");
            }

            return new ExportFolder(root, project, existed: true, hadMarker: false);
        }

        var exported = MarkerProject(marker);
        if (exported != project)
        {
            throw new IOException("refusing to write project " + project + " into " + root + ": it holds an export of project " + (exported ?? "(unreadable " + MarkerFileName + ")"));
        }

        return new ExportFolder(root, project, existed: true, hadMarker: true);
    }

    /// <summary>Creates the folder (if missing), its marker and a fresh staging folder; returns the staging folder.</summary>
    public string CreateStaging()
    {
        Directory.CreateDirectory(Root);
        if (_hadMarker)
        {
            DeleteStaleStaging();
        }
        else
        {
            File.WriteAllText(Path.Combine(Root, MarkerFileName), JsonSerializer.Serialize(new Dictionary<string, string> { ["project"] = _project }) + "\n");
            _wroteMarker = true;
        }

        _staging = Path.Combine(Root, StagingPrefix + Guid.NewGuid().ToString("N")[..12] + StagingSuffix);
        Directory.CreateDirectory(_staging);
        return _staging;
    }

    /// <summary>
    /// Moves a run's staged event files into its folder, then deletes the run's other event files
    /// (an earlier export's), so exporting again never doubles points.
    /// </summary>
    public void Commit(string runName, IReadOnlyList<StagedEventFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var folder = LogdirPaths.RunFolder(Root, null, runName, create: true);
        foreach (var file in files)
        {
            File.Move(file.StagedPath, LogdirPaths.ArchiveEntryPath(Root, runName + "/" + file.FileName, create: true), overwrite: true);
        }

        foreach (var old in EventFiles.List(folder))
        {
            if (!files.Any(f => f.FileName == Path.GetFileName(old)))
            {
                File.Delete(old);
            }
        }
    }

    /// <summary>Removes the staging folder (after the runs were committed).</summary>
    public void Finish()
    {
        if (_staging is not null && Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true);
        }
    }

    /// <summary>Undoes what this export wrote before committing: staging, the marker, the folder itself if it was created.</summary>
    public void Discard()
    {
        Finish();
        if (_wroteMarker)
        {
            File.Delete(Path.Combine(Root, MarkerFileName));
        }

        if (!_existed && Directory.Exists(Root) && !Directory.EnumerateFileSystemEntries(Root).Any())
        {
            Directory.Delete(Root);
        }
    }

    private static string? MarkerProject(string marker)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(marker));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("project", out var project)
                && project.ValueKind == JsonValueKind.String
                ? project.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Left by an export that was killed: never holds anything TensorBoard reads.
    private void DeleteStaleStaging()
    {
        foreach (var folder in Directory.EnumerateDirectories(Root, StagingPrefix + "*" + StagingSuffix))
        {
            if (new DirectoryInfo(folder).LinkTarget is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
