using System.Globalization;
using Npgsql;

namespace Metrics.Export;

/// <summary>
/// Removes what the exporter wrote for runs an operator deleted from the database (there is no
/// delete API): the event files its <see cref="RunManifest"/> names, then the run's folders up to
/// (not including) the project's folder, each only if empty. Nothing else is ever deleted: the
/// folder comes from <see cref="LogdirPaths.RunFolder"/> (no escape, no symlink on the way), only
/// event file names the manifest lists are removed, a symlink in their place is left alone, and a
/// folder holding anything else (a user's notes, a re-created run's files) stays.
/// </summary>
public static class DeletedRunFolders
{
    /// <summary>Which of <paramref name="runIds"/> no longer exist in the database.</summary>
    public static async Task<IReadOnlyList<long>> FindDeletedAsync(NpgsqlDataSource dataSource, IReadOnlyList<long> runIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            "SELECT id FROM unnest($1::bigint[]) AS id WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = id) ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. runIds] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var deleted = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            deleted.Add(reader.GetInt64(0));
        }

        return deleted;
    }

    /// <summary>
    /// Removes the exporter's files of deleted run <paramref name="runId"/> and forgets it; null when
    /// it has no manifest. Throws <see cref="UnsafeLogdirPathException"/> (nothing deleted) when the
    /// manifest names anything outside the run's folder or a symlink is on the way, and
    /// <see cref="ExportConflictException"/> when a session holds the run's file lock
    /// (<paramref name="lockFiles"/>: as <see cref="LogdirExportOptions.LockFiles"/>).
    /// </summary>
    public static DeletedRunRemoval? Remove(string root, long runId, bool lockFiles = true)
    {
        using var fileLock = lockFiles ? RunExportSession.LockRun(root, runId) : null;
        if (RunManifest.Load(root, runId) is not { } manifest)
        {
            ForgetLocked(root, runId);
            return null;
        }

        var folder = LogdirPaths.RunFolder(root, manifest.Project, manifest.Run);
        if (manifest.Files.FirstOrDefault(f => !LogdirPaths.IsEventFileName(f)) is { } unsafeName)
        {
            throw new UnsafeLogdirPathException("the manifest of run " + runId.ToString(CultureInfo.InvariantCulture) + " names '" + unsafeName + "', not an event file");
        }

        var removed = 0;
        foreach (var name in manifest.Files)
        {
            var file = new FileInfo(Path.Combine(folder, name));
            if (file.LinkTarget is null && file.Exists)
            {
                file.Delete();
                removed++;
            }
        }

        var folderRemoved = RemoveEmptyFolders(folder, LogdirPaths.RunFolder(root, manifest.Project, manifest.Run.Split('/')[0]));
        ForgetLocked(root, runId);
        return new DeletedRunRemoval(manifest, folder, removed, folderRemoved);
    }

    /// <summary>
    /// Drops deleted run <paramref name="runId"/>'s manifest and the exporter's own leftovers of it
    /// (staging, file lock), leaving its folder as it is; returns the manifest it had, if any.
    /// </summary>
    public static RunManifest? Forget(string root, long runId, bool lockFiles = true)
    {
        using var fileLock = lockFiles ? RunExportSession.LockRun(root, runId) : null;
        var manifest = RunManifest.Load(root, runId);
        ForgetLocked(root, runId);
        return manifest;
    }

    private static void ForgetLocked(string root, long runId)
    {
        var id = runId.ToString(CultureInfo.InvariantCulture);
        var staging = Path.Combine(root, LogdirPaths.InternalFolderName, "staging", id);
        if (Directory.Exists(staging) && new DirectoryInfo(staging).LinkTarget is null)
        {
            Directory.Delete(staging, recursive: true);
        }

        // Unlinking the lock file while holding its lock is safe: the run is gone, no session will open it again.
        File.Delete(Path.Combine(root, LogdirPaths.InternalFolderName, "locks", id + ".lock"));
        RunManifest.Delete(root, runId);
    }

    // From the run's folder up to its top segment (a run "a/b/c" may have made "a" and "a/b"), while empty.
    private static bool RemoveEmptyFolders(string folder, string top)
    {
        var current = folder;
        while (Directory.Exists(current) && !Directory.EnumerateFileSystemEntries(current).Any())
        {
            try
            {
                Directory.Delete(current);
            }
            catch (IOException)
            {
                return false; // Something appeared meanwhile (a re-created run): it stays.
            }

            if (current == top)
            {
                return true;
            }

            current = Path.GetDirectoryName(current)!;
        }

        return !Directory.Exists(folder);
    }
}
