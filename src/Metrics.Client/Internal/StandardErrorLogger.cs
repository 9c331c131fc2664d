using Microsoft.Extensions.Logging;

namespace Metrics.Client.Internal;

/// <summary>
/// The writer's logger when <see cref="SummaryWriterOptions.LoggerFactory"/> is null: warnings and
/// errors as one line each on standard error, so a job whose server is unreachable says so even
/// without a logging set-up (pass <c>NullLoggerFactory.Instance</c> for silence).
/// </summary>
internal sealed class StandardErrorLogger(TextWriter? output = null) : ILogger
{
    public static readonly StandardErrorLogger Instance = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel == LogLevel.Warning ? "warning" : "error";
        (output ?? Console.Error).WriteLine("metrics-client " + level + ": " + formatter(state, exception));
    }
}
