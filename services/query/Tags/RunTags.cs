namespace Metrics.Query.Tags;

/// <summary>GET /runs/{runId}/tags: a run's series grouped by plugin and data class.</summary>
internal sealed record RunTags(long RunId, IReadOnlyList<TagGroup> Plugins);
