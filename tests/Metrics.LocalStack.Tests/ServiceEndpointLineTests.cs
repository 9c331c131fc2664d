using Metrics.ServiceDefaults.Hosting;

namespace Metrics.LocalStack.Tests;

public sealed class ServiceEndpointLineTests
{
    [Fact]
    public void TryParse_LineServiceDefaultsPrints_NameAndAddress()
    {
        var line = ServiceEndpoints.Line("Metrics.Ingest", "grpc", new Uri("http://127.0.0.1:40123"));

        Assert.True(ServiceEndpointLine.TryParse(line, out var name, out var address));
        Assert.Equal("grpc", name);
        Assert.Equal(new Uri("http://127.0.0.1:40123"), address);
    }

    [Theory]
    [InlineData("info: Microsoft.Hosting.Lifetime[14]")]
    [InlineData("      Now listening on: http://127.0.0.1:41901")]
    public void TryParse_OtherLine_False(string line) =>
        Assert.False(ServiceEndpointLine.TryParse(line, out _, out _));
}
