namespace Metrics.Query.Scalars;

/// <summary>A run × tag of a scalars query that has no scalar series (unknown run or tag, or not scalar).</summary>
internal sealed record MissingSeries(long RunId, string Tag);
