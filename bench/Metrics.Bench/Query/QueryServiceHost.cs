using Metrics.Query;
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
    /// project (its address: <see cref="ServiceEndpoints.Address"/> "tensorboard" of the app's services).
    /// </summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(string databaseUrl, string pepper, CancellationToken cancellationToken, bool tensorBoard = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Metrics.Query", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults("metrics-query");
        builder.AddQueryApi();
        builder.AddTensorBoardProvider();
        // After AddServiceDefaults, so these win over any METRICS_* variables of the caller's shell.
        var settings = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["TOKEN_PEPPER"] = pepper,
            ["HTTP_PORT"] = "0",
            ["LISTEN"] = "loopback",
            ["RATE_LIMIT_PER_SECOND"] = "1000000",
            ["RATE_LIMIT_BURST"] = "1000000",
        };
        if (tensorBoard)
        {
            // Only when wanted: a null value would bind TENSORBOARD_PROJECTS to null, not to its default.
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
