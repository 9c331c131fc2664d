using Metrics.Storage.Writes;

namespace Metrics.Query.Replicas;

/// <summary>
/// Chooses where the request reads from its endpoint's <see cref="ReadRoute"/> before the endpoint
/// runs: records it in the request's <see cref="ReadSession"/> and hands it out as the request's
/// NpgsqlDataSource. A GET whose standby fails with a transient error before anything was sent
/// (the standby died, or was promoted and restarted) runs once more, in a new scope, wherever the
/// barrier now chooses, so a failover does not reach dashboards as errors.
/// </summary>
internal sealed class ReadRoutingMiddleware(RequestDelegate next, ReadReplicas replicas, IServiceScopeFactory scopes)
{
    public async Task InvokeAsync(HttpContext context, ReadSession session)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<ReadRoute>();
        if (route is null)
        {
            await next(context);
            return;
        }

        session.DataSource = route.MayUseStandby ? await replicas.ChooseAsync(context.RequestAborted) : replicas.Primary();
        try
        {
            await RunAsync(context, context.RequestServices, session);
        }
        catch (Exception e) when (route.MayUseStandby && !context.Response.HasStarted
            && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            && PostgresFaults.IsTransient(e) && replicas.StandbyFailed(session.DataSource, e))
        {
            // The first try's scoped services hold its data source: the retry gets its own.
            await using var scope = scopes.CreateAsyncScope();
            var retry = scope.ServiceProvider.GetRequiredService<ReadSession>();
            retry.DataSource = await replicas.ChooseAsync(context.RequestAborted);
            await RunAsync(context, scope.ServiceProvider, retry);
        }
    }

    private async Task RunAsync(HttpContext context, IServiceProvider services, ReadSession session)
    {
        var outer = context.RequestServices;
        context.RequestServices = new ReadServices(services, session.DataSource);
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestServices = outer;
        }
    }
}
