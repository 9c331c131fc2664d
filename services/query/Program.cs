using Metrics.Query;
using Metrics.Query.Replicas;
using Metrics.Query.TensorBoard;
using Metrics.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("metrics-query");
builder.AddQueryApi();
builder.AddTensorBoardProvider();
builder.AddReadReplicas(); // after the readers it routes

var app = builder.Build();
app.MapServiceDefaults();
app.MapTensorBoardProvider();
app.MapQueryApi();

return await app.RunServiceAsync();

/// <summary>The query service's entry point (public for WebApplicationFactory in tests).</summary>
public partial class Program;
