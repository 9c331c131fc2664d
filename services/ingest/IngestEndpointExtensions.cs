using Metrics.Ingest.Grpc;

namespace Metrics.Ingest;

/// <summary>Maps the metrics.v1.Ingest gRPC service and the standard gRPC health service.</summary>
public static class IngestEndpointExtensions
{
    public static WebApplication MapIngest(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrpcService<IngestService>();
        app.MapGrpcHealthChecksService();
        return app;
    }
}
