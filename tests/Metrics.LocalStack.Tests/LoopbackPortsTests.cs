using System.Net.Sockets;

namespace Metrics.LocalStack.Tests;

public sealed class LoopbackPortsTests
{
    [Fact]
    public async Task Refusing_Connect_Refused()
    {
        using var refusing = LoopbackPorts.Refusing();
        using var client = new TcpClient();

        var error = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", refusing.Port));

        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public void Bind_FirstCandidateTaken_TriesTheNext()
    {
        var tried = new List<int>();

        var bound = LoopbackPorts.Bind(port =>
        {
            tried.Add(port);
            return port == 1 ? throw new InvalidOperationException("taken") : port;
        }, e => e is InvalidOperationException, [1, 2, 3]);

        Assert.Equal(2, bound);
        Assert.Equal([1, 2], tried);
    }
}
