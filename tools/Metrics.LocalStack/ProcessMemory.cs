using System.Globalization;

namespace Metrics.LocalStack;

/// <summary>Resident memory of a process, from Linux's /proc.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of /proc/&lt;pid&gt;/status in bytes (0 when the process is gone).</summary>
    public static long RssBytes(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process exited between the check and the read.
        }

        return 0;
    }
}
