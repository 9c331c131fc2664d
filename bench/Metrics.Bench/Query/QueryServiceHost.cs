using Metrics.Query;
using Metrics.Query.Replicas;
using Metrics.Query.TensorBoard;
using Metrics.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Metrics.Bench.Query;

/// <summary>The query service in this process, on real Kestrel and a loopback port it binds itself (port 0), wired as its Program.cs wires it.</summary>
internal static class QueryServiceHost
{
    /// <summary>
    /// Starts it; with <paramref name="tensorBoard"/>, also TensorBoard's data provider, serving every
    /// project (its address: <see cref="ServiceEndpoints.Address"/> "tensorboard" of the app's services);
    /// with <paramref name="readUrl"/>, reads go to those servers behind the freshness barrier (METRICS_DATABASE_READ_URL).
    /// </summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(string databaseUrl, string pepper, CancellationToken cancellationToken, bool tensorBoard = false, string? readUrl = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Metrics.Query", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults("metrics-query");
        builder.AddQueryApi();
        builder.AddTensorBoardProvider();
        builder.AddReadReplicas();
        // After AddServiceDefaults, so these win over any METRICS_* variables of the caller's shell.
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["TOKEN_PEPPER"] = pepper,
            ["HTTP_PORT"] = "0",
            ["LISTEN"] = "loopback",
            ["RATE_LIMIT_PER_SECOND"] = "1000000",
            ["RATE_LIMIT_BURST"] = "1000000",
            ["DATABASE_READ_URL"] = readUrl ?? "",
        };

        // Only settings that are set: the binder gives a null entry to the property (null, not its default).
        if (tensorBoard)
        {
            settings["TENSORBOARD_PORT"] = "0";
            settings["TENSORBOARD_PROJECTS"] = "*";
        }

        builder.Configuration.AddInMemoryCollection(settings);
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapTensorBoardProvider();
        app.MapQueryApi();
        await app.StartAsync(cancellationToken);
        return (app, app.Services.GetRequiredService<ServiceEndpoints>().Address("http"));
    }
}
