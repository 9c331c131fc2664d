using Metrics.Query;
using Metrics.Query.TensorBoard;
using Metrics.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Metrics.Bench.Query;

/// <summary>The query service in this process, on real Kestrel and a free loopback port, wired as its Program.cs wires it.</summary>
internal static class QueryServiceHost
{
    /// <summary>Starts it; with <paramref name="tensorBoardPort"/>, also TensorBoard's data provider there, serving every project.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(string databaseUrl, string pepper, CancellationToken cancellationToken, int? tensorBoardPort = null)
    {
        var port = Metrics.Storage.Local.LocalPostgres.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Metrics.Query", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults("metrics-query");
        builder.AddQueryApi();
        builder.AddTensorBoardProvider();
        // After AddServiceDefaults, so these win over any METRICS_* variables of the caller's shell.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["TOKEN_PEPPER"] = pepper,
            ["HTTP_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["LISTEN"] = "loopback",
            ["RATE_LIMIT_PER_SECOND"] = "1000000",
            ["RATE_LIMIT_BURST"] = "1000000",
            ["TENSORBOARD_PORT"] = tensorBoardPort?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TENSORBOARD_PROJECTS"] = tensorBoardPort is null ? null : "*",
        });
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapTensorBoardProvider();
        app.MapQueryApi();
        await app.StartAsync(cancellationToken);
        return (app, new Uri($"http://127.0.0.1:{port}"));
    }
}
