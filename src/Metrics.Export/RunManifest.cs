using System.Globalization;
using System.Text.Json;

namespace Metrics.Export;

/// <summary>
/// What the exporter wrote for a run: its project, name and event files, kept in the logdir's
/// internal folder (<c>&lt;root&gt;/.metrics-exporter~/runs/&lt;run id&gt;.json</c>) rather than in the
/// database, because an operator deleting the run's row takes its export_state with it. It is how a
/// deleted run's folder is found again, and the bound of what may be removed (<see cref="DeletedRunFolders"/>).
/// </summary>
public sealed record RunManifest(string Project, string Run, IReadOnlyList<string> Files)
{
    private const string Folder = "runs";

    /// <summary>Replaces the run's manifest (write to a temporary file, then rename: never half a manifest).</summary>
    public static void Save(string root, long runId, RunManifest manifest)
    {
        var path = PathOf(root, runId);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(manifest));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The run's manifest; null when there is none or it is unreadable.</summary>
    public static RunManifest? Load(string root, long runId)
    {
        var path = PathOf(root, runId);
        try
        {
            return File.Exists(path) && JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path)) is { Project: not null, Run: not null, Files: not null } manifest
                ? manifest
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Delete(string root, long runId) => File.Delete(PathOf(root, runId));

    /// <summary>The run ids that have a manifest.</summary>
    public static IReadOnlyList<long> RunIds(string root)
    {
        var ids = new List<long>();
        foreach (var file in Directory.EnumerateFiles(LogdirPaths.InternalFolder(root, Folder), "*.json"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static string PathOf(string root, long runId) =>
        Path.Combine(LogdirPaths.InternalFolder(root, Folder), runId.ToString(CultureInfo.InvariantCulture) + ".json");
}
