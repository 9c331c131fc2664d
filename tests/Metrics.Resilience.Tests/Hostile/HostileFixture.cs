using Metrics.Bench.Soak;
using Metrics.Resilience.Tests.Support;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>One set of services (ingest, query, exporter as processes) shared by the hostile-input test classes.</summary>
public sealed class HostileFixture : IAsyncLifetime
{
    internal SoakServices Services { get; private set; } = null!;

    public async Task InitializeAsync() => Services = await Stack.StartAsync("hostile");

    public async Task DisposeAsync() => await Services.DisposeAsync();

    /// <summary>Every service still runs and answers /health/ready: hostile input crashed nothing.</summary>
    public async Task AssertAllServingAsync()
    {
        foreach (var service in Services.Ingests.Append(Services.Query!).Append(Services.Exporter!))
        {
            Assert.True(service.IsRunning, service.Name + " exited:\n" + service.Tail);
            Assert.True(await service.IsReadyAsync(CancellationToken.None), service.Name + " is not ready:\n" + service.Tail);
        }
    }
}
