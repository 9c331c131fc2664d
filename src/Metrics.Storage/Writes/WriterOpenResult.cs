namespace Metrics.Storage.Writes;

/// <summary>The result of <see cref="RunStore.OpenWriterAsync"/>.</summary>
public sealed record WriterOpenResult(WriterOpenStatus Status, long LastCommittedSeq);
