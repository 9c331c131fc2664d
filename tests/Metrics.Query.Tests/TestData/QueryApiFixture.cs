using System.Net.Http.Headers;
using Metrics.Storage;
using Metrics.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Query.Tests.TestData;

/// <summary>
/// A fresh migrated database and the query service over it (WebApplicationFactory, real HTTP
/// pipeline), with helpers to seed runs and points and to mint tokens.
/// </summary>
public class QueryApiFixture : DatabaseFixture
{
    public const string Pepper = "query-tests-pepper-0123456789";

    private WebApplicationFactory<Program> _factory = null!;

    public TestSeeder Seed { get; private set; } = null!;

    public WebApplicationFactory<Program> Factory => _factory;

    /// <summary>Extra METRICS_* settings (without the prefix) for this fixture's service.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Seed = new TestSeeder(DataSource);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("DATABASE_URL", Url);
            web.UseSetting("TOKEN_PEPPER", Pepper);
            web.UseSetting("TOKEN_CACHE_SECONDS", "0");
            web.UseSetting("RATE_LIMIT_PER_SECOND", "100000");
            web.UseSetting("RATE_LIMIT_BURST", "100000");
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }
        });
        _ = _factory.Server;
    }

    public override async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>A new token of <paramref name="project"/> (created when new).</summary>
    public Task<string> TokenAsync(string project, TokenScope scope = TokenScope.Read)
    {
        var store = new TokenStore(DataSource, Options.Create(new TokenOptions { Pepper = Pepper, CacheSeconds = 0 }), TimeProvider.System);
        return store.CreateAsync(project, scope, "test", null, CancellationToken.None);
    }

    /// <summary>An HTTP client carrying a bearer token of <paramref name="project"/>.</summary>
    public async Task<HttpClient> ClientAsync(string project, TokenScope scope = TokenScope.Read)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(project, scope));
        return client;
    }
}
