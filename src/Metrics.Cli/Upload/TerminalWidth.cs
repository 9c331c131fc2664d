namespace Metrics.Cli.Upload;

/// <summary>The terminal width when there is one.</summary>
internal static class TerminalWidth
{
    public static int Or(int fallback)
    {
        try
        {
            return System.Console.WindowWidth > 20 ? System.Console.WindowWidth : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }
}
