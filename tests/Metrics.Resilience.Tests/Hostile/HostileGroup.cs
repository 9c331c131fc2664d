namespace Metrics.Resilience.Tests.Hostile;

/// <summary>The hostile-input classes share one <see cref="HostileFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class HostileGroup : ICollectionFixture<HostileFixture>
{
    public const string Name = "hostile";
}
