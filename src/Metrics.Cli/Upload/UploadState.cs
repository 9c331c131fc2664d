using System.Text.Json;

namespace Metrics.Cli.Upload;

/// <summary>
/// What `metrics upload` has had acknowledged, per run: the reading position (file, offset) after the
/// last committed batch. Saved atomically after each commit; a rerun skips what is before it.
/// </summary>
internal sealed class UploadState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly Dictionary<string, Entry> _runs;

    private UploadState(string path, Dictionary<string, Entry> runs)
    {
        _path = path;
        _runs = runs;
    }

    public string Path => _path;

    public static UploadState Load(string path)
    {
        var runs = File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(path)) ?? []
            : [];
        return new UploadState(path, new Dictionary<string, Entry>(runs, StringComparer.Ordinal));
    }

    /// <summary>The default state file: one per (logdir, server, project) under ~/.cache/metrics/upload.</summary>
    public static string DefaultPath(string logdir, string server, string project)
    {
        var key = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(System.IO.Path.GetFullPath(logdir) + "\n" + server + "\n" + project));
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return System.IO.Path.Combine(cache, "metrics", "upload", Convert.ToHexString(key, 0, 12).ToLowerInvariant() + ".json");
    }

    public Entry? Get(string run)
    {
        lock (_lock)
        {
            return _runs.GetValueOrDefault(run);
        }
    }

    public void Set(string run, Entry entry)
    {
        lock (_lock)
        {
            _runs[run] = entry;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!);
            var temporary = _path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(_runs, Json));
            File.Move(temporary, _path, overwrite: true);
        }
    }

    /// <summary>Position after the last acknowledged item of a run, and points sent so far.</summary>
    internal sealed record Entry(string File, long Offset, long Points);
}
