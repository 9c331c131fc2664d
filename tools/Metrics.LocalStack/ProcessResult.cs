namespace Metrics.LocalStack;

/// <summary>How a command-line process ended: its exit code and what it printed.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output and standard error, in that order.</summary>
    public string Output => StandardOutput + StandardError;
}
