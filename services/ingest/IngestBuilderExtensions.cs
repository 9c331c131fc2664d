using Metrics.Ingest.Auth;
using Metrics.Ingest.Grpc;
using Metrics.Ingest.Telemetry;
using Metrics.Ingest.Validation;
using Metrics.Ingest.Writing;
using Metrics.ServiceDefaults.Hosting;
using Metrics.Storage.Writes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Ingest;

/// <summary>Registers the ingest service: options, the gRPC service with token auth, the write path and the gRPC port.</summary>
public static class IngestBuilderExtensions
{
    public static WebApplicationBuilder AddIngest(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<IngestOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        var configured = builder.Configuration.Get<IngestOptions>() ?? new IngestOptions();

        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = configured.MaxMessageBytes)
            .AddServiceOptions<IngestService>(o => o.Interceptors.Add<TokenAuthInterceptor>());
        builder.Services.AddGrpcHealthChecks();

        builder.Services.AddSingleton(sp => new PointWriter(sp.GetRequiredService<NpgsqlDataSource>())
        {
            MaxBlobBytes = sp.GetRequiredService<IOptions<IngestOptions>>().Value.MaxBlobBytes,
        });
        builder.Services.AddSingleton<RunStore>();
        builder.Services.AddSingleton<IngestMetrics>();
        builder.Services.AddSingleton<StoragePipeline>();
        builder.Services.AddSingleton<BatchValidator>();
        builder.Services.AddSingleton<TokenRateLimiter>();
        builder.Services.AddSingleton<TokenAuthInterceptor>();
        builder.Services.AddSingleton<WriteStreamHandler>();
        builder.Services.AddSingleton<GroupCommitter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GroupCommitter>());
        builder.Services.AddSingleton<BlobChunkCleaner>();
        builder.Services.AddHostedService<OrphanChunkCleanup>();
        builder.Services.AddHostedService<ScalarCompaction>();

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var service = context.Configuration.Get<ServiceOptions>() ?? new ServiceOptions();
            var ingest = context.Configuration.Get<IngestOptions>() ?? new IngestOptions();
            kestrel.ListenMetrics("grpc", service, ingest.GrpcPort, HttpProtocols.Http2);
            // Bytes a writer may have in flight per stream before it must wait for us to read:
            // smaller than Kestrel's default, so 100 streams do not buffer ~77 MB between them (128 KiB still holds a few batches).
            kestrel.Limits.Http2.InitialStreamWindowSize = 128 * 1024;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 256 * 1024;
        });
        return builder;
    }
}
