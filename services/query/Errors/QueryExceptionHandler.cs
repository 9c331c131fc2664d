using Metrics.Query.Auth;
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
            BadHttpRequestException b => Describe(b, httpContext.Request.HasJsonContentType()),
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

    // Minimal APIs word binding failures in .NET terms ("Failed to bind parameter \"Nullable<int> maxPoints\"
    // from \"abc\"", "Failed to read parameter \"ScalarsQueryRequest request\" from the request body as JSON"):
    // say the same in the API's words, naming the query key or body field as the caller wrote it.
    private static (int Status, string Title, string Detail, string? Parameter) Describe(BadHttpRequestException exception, bool jsonBody)
    {
        var aboutBody = exception.Message.Contains("body", StringComparison.Ordinal);
        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType || (aboutBody && !jsonBody))
        {
            return (StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "The request body must be JSON, sent with Content-Type: application/json.", null);
        }

        if (FindJsonException(exception) is { } json)
        {
            var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? FieldOf(path[2..]) : null;
            return field is null
                ? (StatusCodes.Status400BadRequest, "Invalid request body", "The request body is not a valid JSON object.", "body")
                : (StatusCodes.Status400BadRequest, "Invalid parameter", field + " has a value of the wrong type (see the request body schema in the OpenAPI document).", field);
        }

        var message = exception.Message;
        var (declaration, value) = (Quoted(message, 0), Quoted(message, 1));
        if (aboutBody)
        {
            return (StatusCodes.Status400BadRequest, "Invalid request body", "The request needs a JSON object as its body.", "body");
        }

        if (declaration is null)
        {
            return (exception.StatusCode, "Invalid request", "The request could not be read.", null);
        }

        var space = declaration.LastIndexOf(' ');
        var parameter = SnakeCase(declaration[(space + 1)..]);
        var type = space < 0 ? "" : declaration[..space];
        if (message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            return (StatusCodes.Status400BadRequest, "Invalid parameter", parameter + " is required.", parameter);
        }

        var detail = parameter + " must be " + Kind(type) + (value is null ? "." : ", not \"" + Caller.Truncate(value) + "\".");
        return (StatusCodes.Status400BadRequest, "Invalid parameter", detail, parameter);
    }

    private static System.Text.Json.JsonException? FindJsonException(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Text.Json.JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    // "$.run_ids[0]" -> "run_ids": the body's keys are already snake_case.
    private static string? FieldOf(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        var field = end < 0 ? path : path[..end];
        return field.Length > 0 ? field : null;
    }

    private static string Kind(string type)
    {
        var bare = type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>', '?');
        return bare switch
        {
            "int" or "Int32" => "a whole number from -2147483648 to 2147483647",
            "long" or "Int64" => "a whole number from -9223372036854775808 to 9223372036854775807",
            "double" or "Double" or "float" or "Single" => "a number",
            "bool" or "Boolean" => "true or false",
            _ => "a valid value",
        };
    }

    private static string? Quoted(string message, int index)
    {
        var start = -1;
        for (var i = 0; i <= index; i++)
        {
            start = message.IndexOf('"', start + 1);
            if (start < 0)
            {
                return null;
            }

            var end = message.IndexOf('"', start + 1);
            if (end < 0)
            {
                return null;
            }

            if (i == index)
            {
                return message[(start + 1)..end];
            }

            start = end;
        }

        return null;
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
