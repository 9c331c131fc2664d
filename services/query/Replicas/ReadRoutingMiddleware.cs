namespace Metrics.Query.Replicas;

/// <summary>Sets the request's <see cref="ReadSession"/> from its endpoint's <see cref="ReadRoute"/> before the endpoint runs.</summary>
internal sealed class ReadRoutingMiddleware(RequestDelegate next, ReadReplicas replicas)
{
    public async Task InvokeAsync(HttpContext context, ReadSession session)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<ReadRoute>();
        if (route is { MayUseStandby: true })
        {
            session.DataSource = await replicas.ChooseAsync(context.RequestAborted);
        }
        else if (route is not null)
        {
            session.DataSource = replicas.Primary();
        }

        await next(context);
    }
}
