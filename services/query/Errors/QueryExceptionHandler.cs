using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Metrics.Query.Errors;

/// <summary>
/// Turns refusals, binding failures and database faults into problem+json: 400/404 name the
/// parameter; a query that ran past the command timeout is 504, an unreachable database 503.
/// </summary>
internal sealed partial class QueryExceptionHandler(IProblemDetailsService problems, ILogger<QueryExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, parameter) = exception switch
        {
            QueryProblemException p => (p.Status, p.Title, p.Message, p.Parameter),
            BadHttpRequestException b => (b.StatusCode, "Invalid request", b.Message, ParameterOf(b.Message)),
            _ when IsTimeout(exception) => (StatusCodes.Status504GatewayTimeout, "Query timed out", "The query took longer than the configured timeout (METRICS_DATABASE_COMMAND_TIMEOUT_SECONDS); ask for a smaller range or fewer points.", null),
            NpgsqlException => (StatusCodes.Status503ServiceUnavailable, "Database unavailable", "The database is not reachable; retry later.", null),
            _ => (0, "", "", null),
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        if (status >= 500)
        {
            LogDatabaseFault(logger, status, exception);
            httpContext.Response.Headers.RetryAfter = "1";
        }

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        if (parameter is not null)
        {
            context.ProblemDetails.Extensions["parameter"] = parameter;
        }

        return await problems.TryWriteAsync(context);
    }

    private static bool IsTimeout(Exception exception) => exception switch
    {
        NpgsqlException { InnerException: TimeoutException } => true,
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } => true,
        TimeoutException => true,
        _ => false,
    };

    // Minimal APIs report binding failures as: Failed to bind parameter "long from_step" from "x".
    private static string? ParameterOf(string message)
    {
        var start = message.IndexOf('"', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('"', start + 1);
        if (end <= start)
        {
            return null;
        }

        var declaration = message[(start + 1)..end];
        var name = declaration[(declaration.LastIndexOf(' ') + 1)..];
        return SnakeCase(name);
    }

    // The API's query keys are the snake_case of the handler's parameter names (fromStep -> from_step).
    private static string SnakeCase(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                builder.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString().TrimStart('_');
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query answered {Status} after a database fault")]
    private static partial void LogDatabaseFault(ILogger logger, int status, Exception exception);
}
