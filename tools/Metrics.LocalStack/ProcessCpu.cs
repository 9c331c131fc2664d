using System.Globalization;

namespace Metrics.LocalStack;

/// <summary>
/// CPU time (user + system) of processes, from Linux's /proc/&lt;pid&gt;/stat: unlike wall-clock
/// throughput it stays comparable on a machine shared with other work.
/// </summary>
public static class ProcessCpu
{
    // USER_HZ: the unit of the stat fields; 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds <paramref name="processId"/> has used (0 when it is gone).</summary>
    public static double Seconds(int processId) =>
        Read(processId) is { } stat ? (stat.User + stat.System) / TicksPerSecond : 0;

    /// <summary>
    /// CPU seconds of <paramref name="processId"/> and its children, living and exited (a
    /// PostgreSQL postmaster and its backends): the exited ones are in the parent's cutime/cstime
    /// once reaped, the living ones are found by their parent id.
    /// </summary>
    public static double TreeSeconds(int processId)
    {
        if (Read(processId) is not { } root)
        {
            return 0;
        }

        var ticks = root.User + root.System + root.ChildrenUser + root.ChildrenSystem;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && id != processId && Read(id) is { } child && child.ParentId == processId)
            {
                ticks += child.User + child.System;
            }
        }

        return ticks / TicksPerSecond;
    }

    private static Stat? Read(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone between the listing and the read.
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new Stat((int)Field(4), Field(14), Field(15), Field(16), Field(17));
    }

    private readonly record struct Stat(int ParentId, long User, long System, long ChildrenUser, long ChildrenSystem);
}
