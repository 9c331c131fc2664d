namespace Metrics.Storage.Writes.Internal;

internal readonly record struct SeriesKey(long RunId, string Tag);
