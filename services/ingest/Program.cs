using Metrics.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("metrics-ingest");

var app = builder.Build();
app.MapServiceDefaults();

return await app.RunServiceAsync();

/// <summary>The query service's entry point (public for WebApplicationFactory in tests).</summary>
public partial class Program;
