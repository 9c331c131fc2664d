namespace Metrics.Query.Replicas;

/// <summary>A standby could not be asked how far it has replayed.</summary>
internal sealed class StandbyUnavailableException(string server, Exception inner)
    : Exception($"standby {server} is unavailable: {inner.Message}", inner);
