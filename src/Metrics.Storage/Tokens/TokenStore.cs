using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Storage;

/// <summary>
/// API tokens: created once and shown once, stored as HMAC-SHA256(pepper, token), scoped to one
/// project. Verified tokens are cached briefly (TOKEN_CACHE_SECONDS) so hot paths skip the database,
/// and a cached answer outlives that while the database cannot be reached (TOKEN_OUTAGE_GRACE_SECONDS):
/// a failover does not turn every dashboard's requests into errors.
/// </summary>
public sealed class TokenStore(NpgsqlDataSource dataSource, IOptions<TokenOptions> options, TimeProvider time)
{
    private const string Prefix = "mt_";
    private readonly byte[] _pepper = Encoding.UTF8.GetBytes(options.Value.Pepper);
    private readonly ConcurrentDictionary<string, (TokenIdentity? Identity, DateTimeOffset Until, DateTimeOffset Verified)> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the project if needed and a new token for it; returns the token text.</summary>
    public async Task<string> CreateAsync(string project, TokenScope scope, string description, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        ProjectNames.Validate(project);
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            WITH p AS (
                INSERT INTO projects (name) VALUES ($1)
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
                RETURNING project_id
            )
            INSERT INTO api_tokens (project_id, token_hash, scope, description, expires_at)
            SELECT project_id, $2, $3, $4, $5 FROM p
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(token) });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)scope });
        command.Parameters.Add(new NpgsqlParameter { Value = description });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)expiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return token;
    }

    /// <summary>Revokes a token (takes effect within the cache period).</summary>
    public async Task<bool> RevokeAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(token) });
        _cache.TryRemove(token, out _);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The tokens of <paramref name="project"/>, oldest first (revoked and expired ones too).</summary>
    public async Task<IReadOnlyList<TokenInfo>> ListAsync(string project, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT t.token_id, p.name, t.scope, t.description, t.created_at, t.expires_at, t.revoked_at
            FROM api_tokens t JOIN projects p USING (project_id)
            WHERE p.name = $1
            ORDER BY t.token_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = project });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new List<TokenInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new TokenInfo(
                reader.GetInt64(0),
                reader.GetString(1),
                (TokenScope)reader.GetInt16(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return tokens;
    }

    /// <summary>Revokes the token with id <paramref name="tokenId"/>; its details, or null when no unrevoked token has that id (takes effect within the cache period).</summary>
    public async Task<TokenInfo?> RevokeAsync(long tokenId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            UPDATE api_tokens t SET revoked_at = now()
            FROM projects p
            WHERE t.token_id = $1 AND t.revoked_at IS NULL AND p.project_id = t.project_id
            RETURNING t.token_id, p.name, t.scope, t.description, t.created_at, t.expires_at, t.revoked_at
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = tokenId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new TokenInfo(
            reader.GetInt64(0),
            reader.GetString(1),
            (TokenScope)reader.GetInt16(2),
            reader.GetString(3),
            reader.GetFieldValue<DateTimeOffset>(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetFieldValue<DateTimeOffset>(6));
    }

    /// <summary>The identity of a valid (known, unexpired, unrevoked) token, else null.</summary>
    public async Task<TokenIdentity?> AuthenticateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (_cache.TryGetValue(token, out var cached) && cached.Until > now)
        {
            return cached.Identity;
        }

        TokenIdentity? identity;
        try
        {
            identity = await LookUpAsync(token, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException
            && cached.Verified != default && now - cached.Verified <= TimeSpan.FromSeconds(options.Value.OutageGraceSeconds))
        {
            // The database cannot be reached (a failover): the last answer stands, asked again next time.
            return cached.Identity;
        }

        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }

        _cache[token] = (identity, now.AddSeconds(options.Value.CacheSeconds), now);
        return identity;
    }

    private async Task<TokenIdentity?> LookUpAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT t.token_id, t.project_id, p.name, t.scope
            FROM api_tokens t JOIN projects p USING (project_id)
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Hash(token) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TokenIdentity(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), (TokenScope)reader.GetInt16(3))
            : null;
    }

    private byte[] Hash(string token) => HMACSHA256.HashData(_pepper, Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
