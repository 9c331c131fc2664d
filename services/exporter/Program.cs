using Metrics.Exporter.Export;
using Metrics.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("metrics-exporter", usesTokens: false);
builder.AddExporter();

var app = builder.Build();
app.MapServiceDefaults();

return await app.RunServiceAsync();

/// <summary>The exporter service's entry point (public so tests can find the assembly).</summary>
public partial class Program;
