using System.Globalization;

namespace Metrics.LocalStack.Ha;

/// <summary>One PostgreSQL server of a <see cref="PatroniCluster"/> with the Patroni that runs it.</summary>
public sealed class PatroniNode
{
    internal PatroniNode(string name, string directory, int port, int apiPort)
    {
        Name = name;
        Directory = directory;
        Port = port;
        ApiPort = apiPort;
    }

    /// <summary>The Patroni member name (node0, node1…), also the server's application_name on the primary.</summary>
    public string Name { get; }

    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>PostgreSQL's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Patroni's REST API port on 127.0.0.1.</summary>
    public int ApiPort { get; }

    public Uri Api => new("http://127.0.0.1:" + ApiPort.ToString(CultureInfo.InvariantCulture));

    /// <summary>Whether <see cref="PatroniCluster.KillPrimaryAsync"/> took this node down (it stays down).</summary>
    public bool Killed { get; internal set; }

    internal ServiceProcess? Patroni { get; set; }

    /// <summary>URL of <paramref name="database"/> on this server alone.</summary>
    public string Url(string database = "postgres") =>
        string.Create(CultureInfo.InvariantCulture, $"postgres://postgres@127.0.0.1:{Port}/{database}");

    /// <summary>The postmaster's process id from postmaster.pid, when that file names a live postmaster of this node.</summary>
    internal int? PostmasterId()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && IsOurs(id) ? id : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The postmaster's children (backends, walsender, background workers).</summary>
    internal static IEnumerable<int> Children(int postmaster)
    {
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent) && parent == postmaster)
            {
                yield return id;
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> is a postgres process started on this node's data folder (not a reused pid).</summary>
    private bool IsOurs(int id)
    {
        try
        {
            var commandLine = File.ReadAllText(Path.Combine("/proc", id.ToString(CultureInfo.InvariantCulture), "cmdline"));
            return commandLine.Contains(DataDirectory, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
