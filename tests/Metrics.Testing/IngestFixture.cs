using Metrics.Storage;

namespace Metrics.Testing;

/// <summary>A fresh migrated database, a write token of project "test", and the ingest service on it (a real process).</summary>
public sealed class IngestFixture : DatabaseFixture
{
    public const string Project = "test";
    public const string Pepper = "client-tests-pepper-0123456789abcdef";

    public IngestServer Server { get; private set; } = null!;

    public string Token { get; private set; } = "";

    public Stored Stored => new(DataSource);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var tokens = new TokenStore(DataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        Token = await tokens.CreateAsync(Project, TokenScope.Write, "client tests", null, CancellationToken.None);
        Server = new IngestServer(Url, Pepper);
        await Server.StartAsync();
    }

    /// <summary>A token of another project (for refusal tests).</summary>
    public async Task<string> TokenOfAsync(string project, TokenScope scope)
    {
        var tokens = new TokenStore(DataSource, Microsoft.Extensions.Options.Options.Create(new TokenOptions { Pepper = Pepper }), TimeProvider.System);
        return await tokens.CreateAsync(project, scope, "client tests", null, CancellationToken.None);
    }

    public override async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await base.DisposeAsync();
    }
}
