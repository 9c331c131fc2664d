namespace Metrics.Query.TensorBoard;

/// <summary>A project the TensorBoard port may serve.</summary>
internal sealed record TensorBoardProject(long ProjectId, string Name, DateTime CreatedAt);
