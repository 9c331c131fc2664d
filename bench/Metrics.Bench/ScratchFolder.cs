namespace Metrics.Bench;

/// <summary>The temp folders a benchmark makes for its PostgreSQL cluster and files.</summary>
internal static class ScratchFolder
{
    /// <summary>Deletes <paramref name="dir"/> if it can: files the postgres user owns are left for the OS to clean (disk space only).</summary>
    public static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
