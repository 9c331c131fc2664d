using System.Text.Json;

namespace Metrics.Query.HParams;

/// <summary>One row of the hparams table: a run's hparams and the final (last-step) value of each metric.</summary>
internal sealed record HParamsRun(long RunId, string Name, JsonElement Hparams, IReadOnlyDictionary<string, HParamsMetricValue> Metrics);
