using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Metrics.Storage.Commits;

/// <summary>Registers the process's one <see cref="CommitFeed"/> (a hosted service that subscribers and watchers share).</summary>
public static class CommitFeedServiceCollectionExtensions
{
    public static IServiceCollection AddCommitFeed(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CommitFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<CommitFeed>());
        return services;
    }
}
