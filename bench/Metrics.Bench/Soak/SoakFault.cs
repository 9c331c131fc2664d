namespace Metrics.Bench.Soak;

/// <summary>A fault a soak injects while writers write (kill -9 of a service, a database restart, a cut network).</summary>
public sealed record SoakFault(string Name, Func<SoakServices, CancellationToken, Task> InjectAsync)
{
    /// <summary>kill -9 of ingest replica <paramref name="replica"/>, then a start on the same ports.</summary>
    public static SoakFault KillIngest(int replica) => new("kill -9 ingest-" + replica.ToString(System.Globalization.CultureInfo.InvariantCulture), async (services, ct) =>
    {
        var ingest = services.Ingests[replica];
        ingest.Kill();
        await ingest.StartAsync(TimeSpan.FromSeconds(120), ct);
    });

    /// <summary>kill -9 of the exporter, then a start.</summary>
    public static SoakFault KillExporter { get; } = new("kill -9 exporter", async (services, ct) =>
    {
        var exporter = services.Exporter ?? throw new InvalidOperationException("no exporter");
        exporter.Kill();
        await exporter.StartAsync(TimeSpan.FromSeconds(120), ct);
    });

    /// <summary>Every open writer connection reset (RST) at the relay.</summary>
    public static SoakFault CutConnections { get; } = new("cut connections", (services, _) =>
    {
        services.Relay.CutAll();
        return Task.CompletedTask;
    });
}
