namespace Metrics.Query.Errors;

/// <summary>A request the API refuses; <see cref="QueryExceptionHandler"/> turns it into problem+json.</summary>
internal sealed class QueryProblemException(int status, string title, string detail, string? parameter = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    /// <summary>The query, route or body parameter at fault, when there is one.</summary>
    public string? Parameter { get; } = parameter;

    public static QueryProblemException BadParameter(string parameter, string detail) =>
        new(StatusCodes.Status400BadRequest, "Invalid parameter", detail, parameter);

    public static QueryProblemException NotFound(string detail, string? parameter = null) =>
        new(StatusCodes.Status404NotFound, "Not found", detail, parameter);
}
