namespace Metrics.Storage;

/// <summary>What is known about a token besides its secret (which is stored only as a hash).</summary>
public sealed record TokenInfo(long TokenId, string Project, TokenScope Scope, string Description, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);
