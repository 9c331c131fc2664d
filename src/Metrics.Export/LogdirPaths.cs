using System.Text;
using Metrics.Storage;

namespace Metrics.Export;

/// <summary>
/// The one place where names become folders of a logdir (<c>&lt;root&gt;/&lt;project&gt;/&lt;run name&gt;</c>).
/// Everything that could leave the root is refused with <see cref="UnsafeLogdirPathException"/>:
/// names that fail <see cref="ProjectNames"/> / <see cref="RunNames"/> (<c>..</c>, <c>.</c>, empty
/// segments, absolute paths, backslashes, NUL and control characters, over-long names), paths
/// longer than <see cref="MaxPathBytes"/>, and any symlink (or non-folder) already planted on the
/// path inside the root, checked component by component without following links (lstat).
/// </summary>
public static class LogdirPaths
{
    /// <summary>Longest full path accepted (Linux PATH_MAX is 4096 bytes, with room for the file name).</summary>
    public const int MaxPathBytes = 3800;

    /// <summary>
    /// The exporter's own folder in the root (staging files, file locks). '~' cannot occur in a
    /// project name, so it never collides with a project's folder.
    /// </summary>
    public const string InternalFolderName = ".metrics-exporter~";

    /// <summary>
    /// The folder of run <paramref name="runName"/> of <paramref name="project"/> under
    /// <paramref name="root"/> (<paramref name="project"/> null when <paramref name="root"/> is already
    /// the project's logdir, as for <c>metrics export --out</c>). With <paramref name="create"/>, the
    /// missing folders are created one by one, each checked again after creation.
    /// </summary>
    public static string RunFolder(string root, string? project, string runName, bool create = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (project is not null && !ProjectNames.IsValid(project))
        {
            throw new UnsafeLogdirPathException("unsafe project name " + Quote(project) + ": a project must be 1-100 of [A-Za-z0-9._-], not '.' or '..'");
        }

        if (RunNames.Problem(runName) is { } problem)
        {
            throw new UnsafeLogdirPathException("unsafe run name " + Quote(runName) + ": " + problem);
        }

        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var segments = project is null ? runName.Split('/') : [project, .. runName.Split('/')];
        var path = fullRoot;
        foreach (var segment in segments)
        {
            path = path + Path.DirectorySeparatorChar + segment;
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw new UnsafeLogdirPathException("run path is longer than " + MaxPathBytes + " bytes: " + Quote(runName));
        }

        // Refuse symlinks anywhere below the root: a planted link could point the export at any
        // folder the exporter may write. The root itself is the operator's choice and may be a link.
        var current = fullRoot;
        foreach (var segment in segments)
        {
            current = current + Path.DirectorySeparatorChar + segment;
            CheckComponent(current, runName, folder: true);
            if (create && !Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
                CheckComponent(current, runName, folder: true);
            }
        }

        return path;
    }

    /// <summary>
    /// A folder of the exporter's own under <see cref="InternalFolderName"/> (e.g. "staging/42",
    /// "locks"), created and checked like a run folder.
    /// </summary>
    public static string InternalFolder(string root, string relative)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(relative);
        var current = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        foreach (var segment in (InternalFolderName + "/" + relative).Split('/'))
        {
            current = current + Path.DirectorySeparatorChar + segment;
            CheckComponent(current, relative, folder: true);
            if (!Directory.Exists(current))
            {
                Directory.CreateDirectory(current);
                CheckComponent(current, relative, folder: true);
            }
        }

        return current;
    }

    /// <summary>
    /// Where an archive entry <c>&lt;run name&gt;/&lt;file name&gt;</c> goes under <paramref name="root"/>
    /// (folders created and checked as for <see cref="RunFolder"/>). Only event files are accepted.
    /// </summary>
    public static string ArchiveEntryPath(string root, string entryName, bool create = false)
    {
        ArgumentNullException.ThrowIfNull(entryName);
        var slash = entryName.LastIndexOf('/');
        var fileName = slash < 0 ? entryName : entryName[(slash + 1)..];
        if (slash <= 0 || !IsEventFileName(fileName))
        {
            throw new UnsafeLogdirPathException("unexpected archive entry " + Quote(entryName) + ": expected <run name>/<event file>");
        }

        var folder = RunFolder(root, null, entryName[..slash], create);
        var path = Path.Combine(folder, fileName);
        CheckComponent(path, entryName, folder: false);
        return path;
    }

    /// <summary>True for a plain file name (no separators, no control characters) that TensorBoard reads as an event file.</summary>
    public static bool IsEventFileName(string name) =>
        name.Contains("tfevents", StringComparison.Ordinal)
        && name is not ("." or "..")
        && Encoding.UTF8.GetByteCount(name) <= RunNames.MaxSegmentBytes
        && !name.Any(c => c is '/' or '\\' || char.IsControl(c));

    // FileInfo reads the entry itself (lstat), never what a link points to.
    private static void CheckComponent(string path, string name, bool folder)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new UnsafeLogdirPathException("refusing to write " + Quote(name) + ": " + path + " is a symbolic link");
        }

        if (folder ? info.Exists : Directory.Exists(path))
        {
            throw new UnsafeLogdirPathException("refusing to write " + Quote(name) + ": " + path + (folder ? " is not a folder" : " is a folder"));
        }
    }

    private static string Quote(string text)
    {
        var shown = new StringBuilder("'");
        foreach (var c in text.Length <= 100 ? text : text[..100])
        {
            shown.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString());
        }

        return shown.Append(text.Length <= 100 ? "'" : "…'").ToString();
    }
}
