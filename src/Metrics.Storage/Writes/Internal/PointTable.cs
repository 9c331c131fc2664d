namespace Metrics.Storage.Writes.Internal;

/// <summary>
/// The SQL of one point table: its COPY columns, and for steps that may exist already a temp
/// staging table (<see cref="CreateStage"/> creates and empties it) and the upsert from it, which
/// returns (series_id, rows inserted rather than replaced).
/// </summary>
internal sealed record PointTable(string Name, string Stage, string Columns, string CreateStage, string Upsert);
