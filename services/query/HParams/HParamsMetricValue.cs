namespace Metrics.Query.HParams;

/// <summary>A metric's final point: the value at the series' last step.</summary>
internal sealed record HParamsMetricValue(long Step, double WallTime, double Value);
