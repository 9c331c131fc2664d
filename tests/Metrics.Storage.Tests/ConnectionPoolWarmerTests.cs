using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Storage.Tests;

public sealed class ConnectionPoolWarmerTests
{
    [Fact]
    public async Task WarmAsync_Count_LeavesThatManyBackendsOpenInThePool()
    {
        var url = await TestPostgres.AdminUrlAsync();
        var name = "warm-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = MetricsDataSource.Create(url, maxPoolSize: 10, applicationName: name, minPoolSize: 5);
        await using var observer = MetricsDataSource.Create(url, applicationName: "warm-observer");

        await ConnectionPoolWarmer.WarmAsync(dataSource, 5, CancellationToken.None);

        Assert.Equal(5L, await BackendsAsync(observer, name));
        // The next five concurrent requests reuse them: no new backend.
        var connections = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        Assert.Equal(5L, await BackendsAsync(observer, name));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task WarmAsync_UnreachableDatabase_Throws()
    {
        using var dead = Metrics.LocalStack.LoopbackPorts.Refusing();
        await using var dataSource = MetricsDataSource.Create($"postgres://nobody@127.0.0.1:{dead.Port}/none?timeout=2");

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ConnectionPoolWarmer.WarmAsync(dataSource, 3, CancellationToken.None));
    }

    [Fact]
    public async Task Start_DatabaseReachableOnlyLater_WarmsOnceItAnswers()
    {
        var admin = new Uri(await TestPostgres.AdminUrlAsync());
        var name = "warm-late-" + Guid.NewGuid().ToString("N")[..8];
        var refusing = Metrics.LocalStack.LoopbackPorts.Refusing();
        var port = refusing.Port;
        var url = $"postgres://{admin.UserInfo}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{admin.AbsolutePath}?timeout=2";
        await using var dataSource = MetricsDataSource.Create(url, maxPoolSize: 10, applicationName: name, minPoolSize: 3);
        await using var observer = MetricsDataSource.Create(admin.ToString(), applicationName: "warm-observer");
        using var warmer = new ConnectionPoolWarmer(dataSource, Options.Create(new DatabaseOptions { Url = url, MinPoolSize = 3 }), TimeProvider.System, NullLogger<ConnectionPoolWarmer>.Instance);
        using var stop = new CancellationTokenSource();

        await warmer.StartAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1)); // a few refused attempts
        Assert.Equal(0L, await BackendsAsync(observer, name));

        // PostgreSQL "comes up" on that port: a forwarder to the real server.
        refusing.Dispose();
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var forwarding = ForwardAsync(listener, admin.Host, admin.Port, stop.Token);
        await Eventually.TrueAsync(async () => await BackendsAsync(observer, name) == 3, TimeSpan.FromSeconds(30), () => "3 warmed backends");

        await stop.CancelAsync();
        await warmer.StopAsync(CancellationToken.None);
        listener.Stop();
        await forwarding;
    }

    private static async Task ForwardAsync(TcpListener listener, string host, int port, CancellationToken cancellationToken)
    {
        var pumps = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken);
                var server = new TcpClient();
                await server.ConnectAsync(host, port, cancellationToken);
                pumps.Add(PumpAsync(client, server, cancellationToken));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        await Task.WhenAll(pumps);

        static async Task PumpAsync(TcpClient client, TcpClient server, CancellationToken cancellationToken)
        {
            using (client)
            using (server)
            {
                var a = client.GetStream().CopyToAsync(server.GetStream(), cancellationToken);
                var b = server.GetStream().CopyToAsync(client.GetStream(), cancellationToken);
                await Task.WhenAny(a, b);
            }
        }
    }

    private static async Task<long> BackendsAsync(NpgsqlDataSource observer, string applicationName)
    {
        await using var command = observer.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
        command.Parameters.AddWithValue(applicationName);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
