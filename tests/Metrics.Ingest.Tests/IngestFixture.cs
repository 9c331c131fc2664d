using Metrics.Storage;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Tests;

/// <summary>A migrated database, an ingest server on it, and tokens of two projects.</summary>
public class IngestFixture : DatabaseFixture
{
    internal IngestServer Server { get; private set; } = null!;

    public string WriteToken { get; private set; } = "";

    public string ReadToken { get; private set; } = "";

    public string OtherProjectToken { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var tokens = new TokenStore(DataSource, Options.Create(new TokenOptions { Pepper = IngestServer.Pepper }), TimeProvider.System);
        WriteToken = await tokens.CreateAsync("alpha", TokenScope.Write, "tests", null, CancellationToken.None);
        ReadToken = await tokens.CreateAsync("alpha", TokenScope.Read, "tests", null, CancellationToken.None);
        OtherProjectToken = await tokens.CreateAsync("beta", TokenScope.Admin, "tests", null, CancellationToken.None);
        Server = await IngestServer.StartAsync(Url);
    }

    public override async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await base.DisposeAsync();
    }
}
