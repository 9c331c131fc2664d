namespace Metrics.Query.Runs;

/// <summary>A page of runs; pass <see cref="NextCursor"/> back as cursor for the next page (null on the last).</summary>
internal sealed record RunPage(IReadOnlyList<RunSummary> Runs, string? NextCursor);
