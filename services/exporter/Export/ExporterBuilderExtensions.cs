using Metrics.Exporter.Commits;
using Metrics.Exporter.Ownership;

namespace Metrics.Exporter.Export;

/// <summary>Registers the continuous exporter: commit listener, run locks and the scheduler.</summary>
public static class ExporterBuilderExtensions
{
    public static WebApplicationBuilder AddExporter(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ExporterOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RunLocks>();
        builder.Services.AddSingleton<ExportScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExportScheduler>());
        builder.Services.AddHostedService<CommitListener>();
        return builder;
    }
}
