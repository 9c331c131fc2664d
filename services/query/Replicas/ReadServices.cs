using Npgsql;

namespace Metrics.Query.Replicas;

/// <summary>
/// A request's services with one change: NpgsqlDataSource is the data source the read barrier
/// chose. Endpoint parameters and the gRPC service's constructor are resolved from here. (A scoped
/// NpgsqlDataSource registration would not do: the scope would dispose the shared pool it returned.)
/// </summary>
internal sealed class ReadServices(IServiceProvider inner, NpgsqlDataSource dataSource) : IServiceProvider, IKeyedServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(NpgsqlDataSource) ? dataSource : inner.GetService(serviceType);

    public object? GetKeyedService(Type serviceType, object? serviceKey) =>
        ((IKeyedServiceProvider)inner).GetKeyedService(serviceType, serviceKey);

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
        ((IKeyedServiceProvider)inner).GetRequiredKeyedService(serviceType, serviceKey);
}
