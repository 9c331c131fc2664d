using Metrics.Exporter.Ownership;
using Metrics.Exporter.Scan;
using Metrics.Exporter.Sweep;
using Metrics.Storage.Commits;

namespace Metrics.Exporter.Export;

/// <summary>Registers the continuous exporter: the commit feed, run locks and ownership, and the scheduler with its parts.</summary>
public static class ExporterBuilderExtensions
{
    public static WebApplicationBuilder AddExporter(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ExporterOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddCommitFeed();
        builder.Services.AddSingleton<RunLocks>();
        builder.Services.AddSingleton<RunOwnership>();
        builder.Services.AddSingleton(new FairShare(new Random()));
        builder.Services.AddSingleton<StaleRunScan>();
        builder.Services.AddSingleton<RunPass>();
        builder.Services.AddSingleton<DeletedRunSweep>();
        builder.Services.AddSingleton<ExportScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExportScheduler>());
        return builder;
    }
}
