using Grpc.Net.Client;
using Metrics.Contracts.TensorBoard.Data;
using Metrics.Query.Tests.TestData;
using Metrics.ServiceDefaults.Hosting;
using Metrics.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Query.Tests.TensorBoard;

/// <summary>
/// The query service on real Kestrel ports it binds itself (WebApplicationFactory.UseKestrel, port 0) with the TensorBoard
/// data-provider port on, serving <see cref="Served"/> projects but not <see cref="Hidden"/>, and a
/// gRPC client generated from the same proto over a real h2c channel.
/// </summary>
public sealed class TensorBoardProviderFixture : DatabaseFixture
{
    public const string Hidden = "tb-hidden";

    public static readonly string[] Served = ["tb-basic", "tb-v1", "tb-edges", "tb-live", "tb-filters", "tb-restart"];

    private WebApplicationFactory<Program> _factory = null!;
    private GrpcChannel _channel = null!;

    public int TensorBoardPort { get; private set; }

    public int HttpPort { get; private set; }

    public TestSeeder Seed { get; private set; } = null!;

    public TensorBoardDataProvider.TensorBoardDataProviderClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Seed = new TestSeeder(DataSource);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("DATABASE_URL", Url);
            web.UseSetting("TOKEN_PEPPER", QueryApiFixture.Pepper);
            web.UseSetting("LISTEN", "loopback");
            web.UseSetting("HTTP_PORT", "0");
            web.UseSetting("TENSORBOARD_PORT", "0");
            web.UseSetting("TENSORBOARD_PROJECTS", string.Join(",", Served));
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var endpoints = _factory.Services.GetRequiredService<ServiceEndpoints>();
        HttpPort = endpoints.Address("http").Port;
        TensorBoardPort = endpoints.Address("tensorboard").Port;
        _channel = GrpcChannel.ForAddress(endpoints.Address("tensorboard"), new GrpcChannelOptions { MaxReceiveMessageSize = 256 << 20 });
        Client = new TensorBoardDataProvider.TensorBoardDataProviderClient(_channel);
    }

    public override async Task DisposeAsync()
    {
        _channel.Dispose();
        await _factory.DisposeAsync();
        await base.DisposeAsync();
    }
}
