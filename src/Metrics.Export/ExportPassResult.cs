namespace Metrics.Export;

/// <summary>
/// The outcome of one pass: what it did, points written, and, when a needed rewrite was held back by
/// <see cref="LogdirExportOptions.RewriteDelay"/>, when to come back.
/// </summary>
public sealed record ExportPassResult(ExportPassKind Kind, long Points, TimeSpan? RewriteDueIn = null);
