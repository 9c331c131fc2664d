using Grpc.AspNetCore.Server;
using Metrics.Query.Replicas;
using Microsoft.Extensions.Options;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// Maps tensorboard.data.TensorBoardDataProvider when its port is configured, reachable on that
/// port only; every other endpoint answers 404 there.
/// </summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static partial class TensorBoardProviderEndpointExtensions
{
    public static WebApplication MapTensorBoardProvider(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TensorBoardOptions>>();
        if (!TryEnabled(options))
        {
            return app;
        }

        app.Use(async (context, next) =>
        {
            var provider = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.ServiceType == typeof(TensorBoardDataProviderService);
            if (provider != TensorBoardPort.IsTensorBoardConnection(context))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(context);
        });
        app.MapGrpcService<TensorBoardDataProviderService>().ReadsFromStandby();
        var settings = options.Value;
        LogServing(app.Logger, settings.Port!.Value, settings.Listen, settings.AllowedProjects is null ? TensorBoardOptions.AllProjects : string.Join(",", settings.AllowedProjects.Order(StringComparer.Ordinal)));
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TensorBoard data provider (no authentication) on port {Port} ({Listen}), serving projects {Projects}")]
    private static partial void LogServing(ILogger logger, int port, string listen, string projects);

    /// <summary>Bad settings are reported by ValidateOnStart as one clear line, not here.</summary>
    private static bool TryEnabled(IOptions<TensorBoardOptions> options)
    {
        try
        {
            return options.Value.Enabled;
        }
        catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
        {
            return false;
        }
    }
}
