using Metrics.ServiceDefaults.Health;
using Metrics.ServiceDefaults.Telemetry;
using Metrics.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Metrics.ServiceDefaults.Hosting;

/// <summary>The defaults every Metrics service starts from.</summary>
public static class MetricsServiceBuilderExtensions
{
    /// <summary>
    /// Configuration from METRICS_* environment variables (what Kubernetes gives), validated
    /// options, storage, OpenTelemetry, health checks and problem details. Services that check
    /// API tokens (<paramref name="usesTokens"/>) also require METRICS_TOKEN_PEPPER at start-up.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, bool usesTokens = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddEnvironmentVariables("METRICS_");
        builder.Services.AddOptions<ServiceOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddMetricsStorage(builder.Configuration, serviceName);
        if (usesTokens)
        {
            builder.Services.AddOptions<TokenOptions>().ValidateOnStart();
        }

        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue("SHUTDOWN_TIMEOUT_SECONDS", 25)));
        builder.AddMetricsTelemetry(serviceName);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            if (TryGetOptions(context.Configuration) is { } options)
            {
                kestrel.ListenMetrics(options, options.HttpPort, HttpProtocols.Http1AndHttp2);
            }
        });
        return builder;
    }

    /// <summary>
    /// The service options if they bind, else null: Kestrel is configured while the app is
    /// built, before options validation can report the problem as one clear line.
    /// </summary>
    public static ServiceOptions? TryGetOptions(IConfiguration configuration)
    {
        try
        {
            return configuration.Get<ServiceOptions>() ?? new ServiceOptions();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Adds a listener on <paramref name="port"/> honouring METRICS_LISTEN and the TLS settings.</summary>
    public static void ListenMetrics(this KestrelServerOptions kestrel, ServiceOptions options, int port, HttpProtocols protocols)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        if (port is < 0 or > 65535)
        {
            return; // options validation stops the service with a clear message
        }

        void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
        {
            listen.Protocols = protocols;
            if (!string.IsNullOrEmpty(options.TlsCertificatePath))
            {
                listen.UseHttps(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath));
            }
        }

        if (options.Listen == "loopback")
        {
            kestrel.ListenLocalhost(port, Configure);
        }
        else
        {
            kestrel.ListenAnyIP(port, Configure);
        }
    }
}
