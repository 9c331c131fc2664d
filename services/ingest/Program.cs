using Metrics.Ingest;
using Metrics.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("metrics-ingest");
builder.AddIngest();

var app = builder.Build();
app.MapServiceDefaults();
app.MapIngest();

return await app.RunServiceAsync();

/// <summary>The ingest service's entry point (public for tests and the benchmark).</summary>
public partial class Program;
