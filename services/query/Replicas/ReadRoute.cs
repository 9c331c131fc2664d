namespace Metrics.Query.Replicas;

/// <summary>
/// Endpoint metadata: whether an endpoint's reads may go to a standby (after the request's read
/// barrier) or always go to the primary. Endpoints without it read the primary.
/// </summary>
internal sealed class ReadRoute
{
    private ReadRoute(bool mayUseStandby) => MayUseStandby = mayUseStandby;

    public static ReadRoute Standby { get; } = new(true);

    public static ReadRoute Primary { get; } = new(false);

    public bool MayUseStandby { get; }
}
