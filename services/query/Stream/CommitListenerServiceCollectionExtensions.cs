namespace Metrics.Query.Stream;

/// <summary>Registers the process's one commit listener (a hosted service that live tails subscribe to).</summary>
internal static class CommitListenerServiceCollectionExtensions
{
    public static IServiceCollection AddCommitListener(this IServiceCollection services)
    {
        services.AddSingleton<CommitListener>();
        services.AddHostedService(sp => sp.GetRequiredService<CommitListener>());
        return services;
    }
}
