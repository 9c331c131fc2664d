namespace Metrics.Query.HParams;

/// <summary>
/// TensorBoard's HParams table: the union of hparam names and of metric tags (columns), one row
/// per run that has hparams; truncated is true when more runs matched than limit.
/// </summary>
internal sealed record HParamsTable(IReadOnlyList<string> Hparams, IReadOnlyList<string> Metrics, IReadOnlyList<HParamsRun> Runs, bool Truncated);
