using Grpc.Core;
using Grpc.Net.Client;
using Metrics.Contracts.V1;
using Metrics.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Ingest.Tests;

/// <summary>
/// The real ingest app (the same AddServiceDefaults/AddIngest/Map calls as Program.cs) on Kestrel
/// on loopback ports it binds itself (port 0, read back from <see cref="ServiceEndpoints"/>), with a gRPC channel to it.
/// </summary>
internal sealed class IngestServer : IAsyncDisposable
{
    public const string Pepper = "ingest-tests-pepper-0123456789";

    private IngestServer(WebApplication app, Uri grpc)
    {
        App = app;
        Port = grpc.Port;
        Channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { MaxSendMessageSize = null, MaxReceiveMessageSize = null });
        Client = new Metrics.Contracts.V1.Ingest.IngestClient(Channel);
    }

    public WebApplication App { get; }

    public int Port { get; }

    public GrpcChannel Channel { get; }

    public Metrics.Contracts.V1.Ingest.IngestClient Client { get; }

    public static async Task<IngestServer> StartAsync(string databaseUrl, IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "Metrics.Ingest" });
        builder.AddServiceDefaults("metrics-ingest");
        var config = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["TOKEN_PEPPER"] = Pepper,
            ["TOKEN_CACHE_SECONDS"] = "0",
            ["GRPC_PORT"] = "0",
            ["HTTP_PORT"] = "0",
            ["LISTEN"] = "loopback",
            ["SHUTDOWN_TIMEOUT_SECONDS"] = "30",
            ["INGEST_MAX_BLOB_BYTES"] = "65536",
            ["INGEST_MAX_POINTS_PER_BATCH"] = "10000",
            ["INGEST_COMMIT_RETRIES"] = "2",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("METRICS_TEST_LOG_LEVEL") ?? "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.AddIngest();
        var app = builder.Build();
        app.MapServiceDefaults();
        app.MapIngest();
        await app.StartAsync();
        return new IngestServer(app, app.Services.GetRequiredService<ServiceEndpoints>().Address("grpc"));
    }

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
