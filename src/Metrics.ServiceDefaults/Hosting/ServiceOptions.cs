using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Metrics.ServiceDefaults.Hosting;

/// <summary>Settings every service reads from METRICS_* environment variables.</summary>
public sealed class ServiceOptions
{
    /// <summary>HTTP port (REST, health, OpenAPI). 0 picks a free port (tests).</summary>
    [Range(0, 65535, ErrorMessage = "METRICS_HTTP_PORT must be a port number between 0 and 65535.")]
    [ConfigurationKeyName("HTTP_PORT")]
    public int HttpPort { get; set; } = 8080;

    /// <summary>Address to listen on: "any" (containers) or "loopback" (a laptop).</summary>
    [RegularExpression("^(any|loopback)$", ErrorMessage = "METRICS_LISTEN must be 'any' or 'loopback'.")]
    [ConfigurationKeyName("LISTEN")]
    public string Listen { get; set; } = "any";

    /// <summary>How long start-up waits for a reachable, migrated database before giving up.</summary>
    [Range(0, 3600)]
    [ConfigurationKeyName("STARTUP_DATABASE_WAIT_SECONDS")]
    public int StartupDatabaseWaitSeconds { get; set; } = 30;

    /// <summary>How long a SIGTERM waits for in-flight work before the process exits.</summary>
    [Range(1, 600)]
    [ConfigurationKeyName("SHUTDOWN_TIMEOUT_SECONDS")]
    public int ShutdownTimeoutSeconds { get; set; } = 25;

    /// <summary>PEM certificate and key for TLS on every port (optional).</summary>
    [ConfigurationKeyName("TLS_CERT")]
    public string? TlsCertificatePath { get; set; }

    [ConfigurationKeyName("TLS_KEY")]
    public string? TlsKeyPath { get; set; }
}
