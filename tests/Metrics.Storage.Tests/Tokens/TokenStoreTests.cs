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
}
