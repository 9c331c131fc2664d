namespace Metrics.Query.Scalars;

/// <summary>The series found (in request order: runs, then tags) and the run × tag pairs that have none.</summary>
internal sealed record ScalarsQueryResponse(IReadOnlyList<ScalarSeries> Series, IReadOnlyList<MissingSeries> Missing);
