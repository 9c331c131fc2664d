namespace Metrics.Query.Replicas;

/// <summary>
/// Chooses where the request reads from its endpoint's <see cref="ReadRoute"/> before the endpoint
/// runs: records it in the request's <see cref="ReadSession"/> and hands it out as the request's NpgsqlDataSource.
/// </summary>
internal sealed class ReadRoutingMiddleware(RequestDelegate next, ReadReplicas replicas)
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
        var services = context.RequestServices;
        context.RequestServices = new ReadServices(services, session.DataSource);
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestServices = services;
        }
    }
}
