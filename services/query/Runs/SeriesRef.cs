namespace Metrics.Query.Runs;

/// <summary>A series the caller may read, with its run's versions (which tell caches what changed) and, where read with it, the series' chunk_version.</summary>
internal sealed record SeriesRef(
    long RunId,
    long SeriesId,
    string Tag,
    short DataClass,
    string PluginName,
    long PointCount,
    long DataVersion,
    long RewriteVersion,
    long? ChunkVersion = null);
