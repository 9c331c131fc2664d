using System.Net.Sockets;
using Metrics.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;

namespace Metrics.ServiceDefaults.Hosting;

/// <summary>Endpoints and the run loop every Metrics service shares.</summary>
public static class MetricsServiceAppExtensions
{
    /// <summary>Problem details for errors, and GET /health/live and /health/ready.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }

    /// <summary>
    /// Checks the configuration and the database, then runs until SIGTERM/Ctrl-C. Bad
    /// configuration, an unreachable or unmigrated database and a taken port end the process
    /// with one clear line on stderr and exit code 1, not a stack trace.
    /// </summary>
    public static async Task<int> RunServiceAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var name = app.Environment.ApplicationName;
        var started = false;
        try
        {
            var options = app.Services.GetRequiredService<IOptions<ServiceOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            await app.StartAsync(); // validates every option registered with ValidateOnStart
            started = true;
            foreach (var (endpoint, address) in app.Services.GetRequiredService<ServiceEndpoints>().Bound)
            {
                // One line per endpoint with the port actually bound: a harness that started us on port 0 reads it.
                Console.Out.WriteLine(ServiceEndpoints.Line(app.Environment.ApplicationName, endpoint, address));
            }

            await WaitForDatabaseAsync(app.Services.GetRequiredService<SchemaMigrator>(), app.Services.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(options.StartupDatabaseWaitSeconds), app.Lifetime.ApplicationStopping);
            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            return Fail(name, "invalid configuration: " + string.Join("; ", e.Failures));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(name, "invalid configuration: " + e.Message);
        }
        catch (SchemaOutOfDateException e)
        {
            return Fail(name, e.Message);
        }
        catch (NpgsqlException e)
        {
            return Fail(name, "cannot reach the database given by METRICS_DATABASE_URL: " + (e.InnerException?.Message ?? e.Message));
        }
        catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(name, "cannot listen: " + e.Message);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return Fail(name, "cannot load the TLS certificate (METRICS_TLS_CERT/METRICS_TLS_KEY): " + e.Message);
        }
        finally
        {
            if (started && !app.Lifetime.ApplicationStopped.IsCancellationRequested)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await app.StopAsync(timeout.Token);
            }
        }
    }

    // A database still starting (or not yet migrated by `metrics db migrate`) is waited for, a second
    // apart, for the configured patience; then its failure ends the start-up.
    private static async Task WaitForDatabaseAsync(SchemaMigrator migrator, TimeProvider time, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + patience;
        var retry = ReconnectBackoff.Create(
            time,
            e => (e is NpgsqlException or SchemaOutOfDateException) && time.GetUtcNow() < deadline,
            backoff: DelayBackoffType.Constant,
            delay: TimeSpan.FromSeconds(1));
        await retry.ExecuteAsync(async token => await migrator.EnsureCurrentAsync(token), cancellationToken);
    }

    private static int Fail(string service, string message)
    {
        Console.Error.WriteLine($"{service}: {message}");
        return 1;
    }
}
