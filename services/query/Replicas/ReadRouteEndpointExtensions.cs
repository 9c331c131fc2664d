namespace Metrics.Query.Replicas;

/// <summary>Marks endpoints (or a group) with their <see cref="ReadRoute"/>; the innermost mark wins.</summary>
internal static class ReadRouteEndpointExtensions
{
    /// <summary>Reads see every write acknowledged before the request began, from a standby when one has replayed that far.</summary>
    public static TBuilder ReadsFromStandby<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(ReadRoute.Standby);

    /// <summary>Reads go to the primary (a live tail reads after each commit notification, which only the primary has surely applied).</summary>
    public static TBuilder ReadsFromPrimary<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(ReadRoute.Primary);
}
