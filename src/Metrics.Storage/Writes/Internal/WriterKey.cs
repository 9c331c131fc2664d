namespace Metrics.Storage.Writes.Internal;

internal readonly record struct WriterKey(long RunId, string WriterId);
