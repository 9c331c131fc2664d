using System.Net;
using System.Net.Sockets;
using Metrics.Storage;

namespace Metrics.LocalStack.Tests;

/// <summary>The private PostgreSQL of the harness, started for real.</summary>
public sealed class LocalPostgresTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metrics-localstack-pg-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task StartAsync_CandidatePortTaken_StartsOnAnotherPort()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;

        await using var postgres = await LocalPostgres.StartAsync(_dir, port: null, durable: false, log: null, candidatePorts: [taken, .. LoopbackPorts.Candidates().Take(10)], CancellationToken.None);

        Assert.NotEqual(taken, postgres.Port);
        await using var dataSource = MetricsDataSource.Create(postgres.Url());
        await using var command = dataSource.CreateCommand("SELECT 1");
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
