namespace Metrics.Storage;

/// <summary>Who a valid token speaks for.</summary>
public sealed record TokenIdentity(long TokenId, long ProjectId, string ProjectName, TokenScope Scope)
{
    /// <summary>True when the token's scope includes <paramref name="required"/>.</summary>
    public bool Allows(TokenScope required) => Scope >= required;
}
