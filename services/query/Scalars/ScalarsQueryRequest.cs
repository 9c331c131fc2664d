namespace Metrics.Query.Scalars;

/// <summary>POST /projects/{project}/scalars/query: every listed tag of every listed run, in one call.</summary>
internal sealed record ScalarsQueryRequest(
    IReadOnlyList<long>? RunIds,
    IReadOnlyList<string>? Tags,
    long? FromStep,
    long? ToStep,
    int? MaxPoints,
    string? Mode,
    string? X,
    string? Format);
