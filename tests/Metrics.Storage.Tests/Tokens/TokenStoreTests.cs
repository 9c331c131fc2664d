using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Storage.Tests.Tokens;

public sealed class TokenStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private TokenStore Store(string pepper = "a-pepper-of-some-length") =>
        new(db.DataSource, Options.Create(new TokenOptions { Pepper = pepper, CacheSeconds = 0 }), TimeProvider.System);

    [Fact]
    public async Task AuthenticateAsync_CreatedToken_ReturnsProjectAndScope()
    {
        var token = await Store().CreateAsync("alpha", TokenScope.Write, "ci", null, CancellationToken.None);

        var identity = await Store().AuthenticateAsync(token, CancellationToken.None);

        Assert.NotNull(identity);
        Assert.Equal("alpha", identity.ProjectName);
        Assert.Equal(TokenScope.Write, identity.Scope);
        Assert.True(identity.Allows(TokenScope.Read));
        Assert.False(identity.Allows(TokenScope.Admin));
    }

    [Fact]
    public async Task CreateAsync_StoresOnlyTheHash()
    {
        var token = await Store().CreateAsync("hash-check", TokenScope.Read, "", null, CancellationToken.None);

        await using var command = db.DataSource.CreateCommand("SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = token[3..] });
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("mt_unknown")]
    [InlineData("no-prefix")]
    [InlineData("mt_' OR 1=1 --")]
    public async Task AuthenticateAsync_UnknownToken_ReturnsNull(string? token)
    {
        Assert.Null(await Store().AuthenticateAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_OtherPepper_ReturnsNull()
    {
        var token = await Store().CreateAsync("pepper", TokenScope.Admin, "", null, CancellationToken.None);

        Assert.Null(await Store("another-pepper-entirely").AuthenticateAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_RevokedOrExpired_ReturnsNull()
    {
        var revoked = await Store().CreateAsync("revoke", TokenScope.Admin, "", null, CancellationToken.None);
        var expired = await Store().CreateAsync("revoke", TokenScope.Admin, "", DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);

        Assert.True(await Store().RevokeAsync(revoked, CancellationToken.None));

        Assert.Null(await Store().AuthenticateAsync(revoked, CancellationToken.None));
        Assert.Null(await Store().AuthenticateAsync(expired, CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    public async Task CreateAsync_BadProjectName_Throws(string project)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store().CreateAsync(project, TokenScope.Read, "", null, CancellationToken.None));
    }

    [Fact]
    public async Task AuthenticateAsync_DatabaseRefusesConnections_RecentlyVerifiedTokenAcceptedWithinTheOutageGrace()
    {
        var url = await TestPostgres.CreateDatabaseAsync("tokens_outage");
        var database = new Npgsql.NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(url)).Database!;
        await using var source = MetricsDataSource.Create(url);
        await new SchemaMigrator(source).MigrateAsync(CancellationToken.None);
        TokenStore Outlasting(int graceSeconds) =>
            new(source, Options.Create(new TokenOptions { Pepper = "a-pepper-of-some-length", CacheSeconds = 0, OutageGraceSeconds = graceSeconds }), TimeProvider.System);
        var graceful = Outlasting(600);
        var strict = Outlasting(0);
        var verified = await graceful.CreateAsync("outage", TokenScope.Read, "", null, CancellationToken.None);
        var unseen = await graceful.CreateAsync("outage", TokenScope.Read, "", null, CancellationToken.None);
        Assert.NotNull(await graceful.AuthenticateAsync(verified, CancellationToken.None));
        Assert.NotNull(await strict.AuthenticateAsync(verified, CancellationToken.None));

        // The database goes away (new connections refused, open ones ended), as a primary does in a failover.
        await db.DataSource.CreateCommand($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false").ExecuteNonQueryAsync();
        await db.DataSource.CreateCommand($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'").ExecuteNonQueryAsync();
        source.Clear();
        try
        {
            Assert.Equal("outage", (await graceful.AuthenticateAsync(verified, CancellationToken.None))?.ProjectName);
            await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => strict.AuthenticateAsync(verified, CancellationToken.None));
            await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => graceful.AuthenticateAsync(unseen, CancellationToken.None));
        }
        finally
        {
            await db.DataSource.CreateCommand($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true").ExecuteNonQueryAsync();
        }

        // Back, the token is looked up again.
        Assert.NotNull(await graceful.AuthenticateAsync(unseen, CancellationToken.None));
    }
}
