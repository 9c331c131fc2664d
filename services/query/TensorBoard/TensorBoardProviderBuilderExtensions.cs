using Metrics.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Metrics.Query.TensorBoard;

/// <summary>Registers TensorBoard's data-provider service and its own port, when METRICS_TENSORBOARD_PORT is set.</summary>
// Public (in a service, an exe) only so bench/Metrics.Bench can host the query service in its own
// process wired exactly as Program.cs wires it (Query/QueryServiceHost.cs); see docs/architecture.md.
public static class TensorBoardProviderBuilderExtensions
{
    public static WebApplicationBuilder AddTensorBoardProvider(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TensorBoardOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddGrpc().AddServiceOptions<TensorBoardDataProviderService>(o => o.Interceptors.Add<DatabaseFaultInterceptor>());
        builder.Services.AddScoped<TensorBoardCatalog>(); // per call: it reads the call's data source (Replicas/)
        builder.Services.AddSingleton<LastWallTimes>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = TryGet(context.Configuration);
            if (options?.Port is not { } port || port is < 0 or > 65535)
            {
                return; // off, or options validation stops the service with a clear message
            }

            var service = MetricsServiceBuilderExtensions.TryGetOptions(context.Configuration) ?? new ServiceOptions();
            var tls = !string.IsNullOrEmpty(service.TlsCertificatePath);
            kestrel.ListenEndpoint("tensorboard", port, loopback: options.Listen != "any", tls, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next => connection =>
                {
                    TensorBoardPort.Mark(connection);
                    return next(connection);
                });
                if (tls)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(service.TlsCertificatePath!, service.TlsKeyPath),
                    });
                }
            });
        });
        return builder;
    }

    private static TensorBoardOptions? TryGet(IConfiguration configuration)
    {
        try
        {
            return configuration.Get<TensorBoardOptions>() ?? new TensorBoardOptions();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
