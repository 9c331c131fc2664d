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
        builder.Services.AddSingleton<ServiceEndpoints>();
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
                kestrel.ListenMetrics("http", options, options.HttpPort, HttpProtocols.Http1AndHttp2);
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

    /// <summary>Adds endpoint <paramref name="endpoint"/> on <paramref name="port"/> honouring METRICS_LISTEN and the TLS settings.</summary>
    public static void ListenMetrics(this KestrelServerOptions kestrel, string endpoint, ServiceOptions options, int port, HttpProtocols protocols)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        var tls = !string.IsNullOrEmpty(options.TlsCertificatePath);
        kestrel.ListenEndpoint(endpoint, port, loopback: options.Listen == "loopback", tls, listen =>
        {
            listen.Protocols = protocols;
            if (tls)
            {
                listen.UseHttps(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(options.TlsCertificatePath!, options.TlsKeyPath));
            }
        });
    }

    /// <summary>
    /// Adds a named endpoint (see <see cref="ServiceEndpoints"/>) on <paramref name="port"/>, on loopback or
    /// every address. Port 0 binds a port the system picks (on 127.0.0.1 for loopback: Kestrel cannot
    /// pick one port for both localhost addresses).
    /// </summary>
    public static void ListenEndpoint(this KestrelServerOptions kestrel, string endpoint, int port, bool loopback, bool tls, Action<ListenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(configure);
        if (port is < 0 or > 65535)
        {
            return; // options validation stops the service with a clear message
        }

        var endpoints = kestrel.ApplicationServices?.GetService<ServiceEndpoints>();
        void Configure(ListenOptions listen)
        {
            configure(listen);
            endpoints?.Add(endpoint, listen, tls);
        }

        if (!loopback)
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else if (port == 0)
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, Configure);
        }
        else
        {
            kestrel.ListenLocalhost(port, Configure);
        }
    }
}
